import { type FormEvent, type ReactNode, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { FeedEntity } from '../../api';
import { formatNumber, formatTime, getLang, t } from '../../i18n';
import type { AlertItem } from '../../overlays/alerts';
import type { OverlayController, OverlayView } from '../../overlays/controller';
import { roadSegments } from '../../overlays/controller';
import { ReplayBar } from '../../panels/ReplayBar';
import { acknowledgeAlert, loadOperator, saveOperator } from './ackClient';
import type { Bookmark } from './bookmarks';
import { type FeedHealth, feedHealth } from './feedHealth';
import { airKpi, alertsKpi, congestionKpi, lineLengthM, type SegmentInfo, sensorsKpi } from './kpi';
import type { OpsKpis, OpsRuntime } from './runtime';
import type { TourPhase } from './tour';

/** KPIs and the banner are recomputed this often (ms): the clock moves data into "stale". */
const TICK_MS = 2_000;
/** Alerts listed on the wall; the rest are counted ("and N more"). */
const MAX_ALERTS_SHOWN = 8;

const NO_VIEW: OverlayView = {
  available: null,
  connection: 'connecting',
  lastMessageAt: 0,
  mode: 'live',
  replayAt: null,
  replayLoading: false,
  replayError: null,
  alerts: [],
  selected: null,
  visible: { air: true, water: true, traffic: true, vehicles: true },
  counts: { air: 0, water: 0, traffic: 0, vehicles: 0 },
};
const noSubscribe = () => () => {};
const noView = () => NO_VIEW;

interface Props {
  scene: OpsRuntime['scene'];
  bookmarks: readonly Bookmark[];
  tour: { phase: TourPhase; stop: number };
  tourIdleS: number | null;
  recovering: boolean;
  onBookmark(id: string): void;
  onKpis(kpis: OpsKpis): void;
  languageSwitch: ReactNode;
}

/** Everything on the wall except the 3D view. */
export function OpsPanels({
  scene,
  bookmarks,
  tour,
  tourIdleS,
  recovering,
  onBookmark,
  onKpis,
  languageSwitch,
}: Props) {
  const overlays = scene?.overlays;
  const view = useSyncExternalStore(overlays?.subscribe ?? noSubscribe, overlays?.getView ?? noView);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, []);
  const segments = useSegments(scene);
  // The last good view survives a recovery (the new viewer's overlays start empty).
  const [lastGood, setLastGood] = useState<{ entities: FeedEntity[]; view: OverlayView } | null>(null);
  const live = useMemo(() => {
    void now; // recomputed on the clock as well as on data
    if (!overlays || view.available === null) return null;
    return { entities: drawnEntities(overlays), view };
  }, [overlays, view, now]);
  useEffect(() => {
    if (live && live.entities.length > 0) setLastGood(live);
  }, [live]);
  const shown = live && live.entities.length > 0 ? live : (lastGood ?? live);

  const kpis = useMemo<OpsKpis | null>(() => {
    if (!shown) return null;
    const v = shown.view;
    const atMs = v.replayAt ?? now;
    let newest = 0;
    for (const e of shown.entities) {
      const ms = Date.parse(e.time);
      if (ms > newest && e.layer !== 'vehicles') newest = ms;
    }
    return {
      air: airKpi(shown.entities),
      congestion: congestionKpi(shown.entities, segments),
      alerts: alertsKpi(v.alerts),
      sensors: sensorsKpi(shown.entities, atMs),
      health: feedHealth({
        connection: view.connection,
        mode: view.mode,
        lastMessageAt: view.lastMessageAt,
        newestDataMs: newest,
        nowMs: now,
      }),
    };
  }, [shown, segments, now, view]);
  useEffect(() => {
    if (kpis) onKpis(kpis);
  }, [kpis, onKpis]);

  return (
    <>
      <header className="ops-top">
        <h1>{t('ops.title')}</h1>
        <StateBanner health={kpis?.health ?? 'connecting'} view={view} available={view.available} />
        <time className="ops-clock" dateTime={new Date(now).toISOString()}>
          {formatTime(now)}
        </time>
        {languageSwitch}
      </header>
      <section className="ops-kpis" aria-label={t('ops.kpi.label')} data-testid="ops-kpis">
        <KpiTiles kpis={kpis} />
      </section>
      <OpsAlerts alerts={view.alerts} replay={view.replayAt !== null} overlays={overlays} />
      <footer className="ops-bottom">
        <nav className="ops-bookmarks" aria-label={t('ops.bookmarks.title')} data-testid="ops-bookmarks">
          {bookmarks.map((b, i) => (
            <button
              key={b.id}
              type="button"
              data-bookmark={b.id}
              className={tour.phase !== 'off' && tour.phase !== 'waiting' && tour.stop === i ? 'touring' : ''}
              onClick={() => onBookmark(b.id)}
            >
              {getLang() === 'en' ? b.nameEn : b.nameVi}
            </button>
          ))}
        </nav>
        <p className="ops-tour" data-testid="ops-tour" data-phase={tour.phase}>
          {tourIdleS === null
            ? t('ops.tour.off')
            : tour.phase === 'flying' || tour.phase === 'dwelling'
              ? t('ops.tour.running', { place: placeName(bookmarks[tour.stop]) })
              : t('ops.tour.waiting', { seconds: tourIdleS })}
        </p>
        {overlays && view.available && (
          <div className="ops-replay">
            <ReplayBar
              replayAt={view.replayAt}
              loading={view.replayLoading}
              error={view.replayError}
              onSeek={(at) => void overlays.seek(at)}
              onLive={() => overlays.live()}
            />
          </div>
        )}
      </footer>
      {recovering && (
        <output className="ops-recovering" data-testid="ops-recovering">
          {t('ops.state.recovering')}
        </output>
      )}
    </>
  );
}

function placeName(b: Bookmark | undefined): string {
  if (!b) return '';
  return getLang() === 'en' ? b.nameEn : b.nameVi;
}

/** Sensors and road segments as drawn now (live, or the replayed moment). */
function drawnEntities(overlays: OverlayController): FeedEntity[] {
  const out: FeedEntity[] = [];
  for (const key of overlays.sensors.keys()) {
    const e = overlays.sensors.entity(key);
    if (e) out.push(e);
  }
  for (const key of overlays.traffic.keys()) {
    const e = overlays.traffic.entity(key);
    if (e) out.push(e);
  }
  return out;
}

/** Length and speed limit of every road segment, once the roads layer is in. */
function useSegments(scene: OpsRuntime['scene']): ReadonlyMap<string, SegmentInfo> {
  const [segments, setSegments] = useState<ReadonlyMap<string, SegmentInfo>>(new Map());
  useEffect(() => {
    if (!scene) return;
    let cancelled = false;
    void scene.twin.settled.then(() => {
      const features = scene.twin.roadFeatures();
      if (cancelled || !features) return;
      const map = new Map<string, SegmentInfo>();
      for (const s of roadSegments(features)) {
        map.set(s.id, { lengthM: lineLengthM(s.line), freeFlowKmh: s.freeFlowKmh ?? 0 });
      }
      setSegments(map);
    });
    return () => {
      cancelled = true;
    };
  }, [scene]);
  return segments;
}

function StateBanner({
  health,
  view,
  available,
}: {
  health: FeedHealth;
  view: OverlayView;
  available: boolean | null;
}) {
  const last = view.lastMessageAt;
  const text =
    available === false
      ? t('ops.state.noHub')
      : health === 'live'
        ? t('ops.state.live', { time: formatTime(last || Date.now()) })
        : health === 'connecting'
          ? t('ops.state.connecting')
          : health === 'stale'
            ? last
              ? t('ops.state.stale', { time: formatTime(last) })
              : t('ops.state.staleNever')
            : health === 'disconnected'
              ? t('ops.state.disconnected', { time: last ? formatTime(last) : '—' })
              : t('ops.state.replay', { time: formatTime(view.replayAt ?? Date.now()) });
  return (
    <output className={`ops-state ${health}`} data-testid="ops-state" data-health={health} aria-live="polite">
      <span className="dot" aria-hidden="true" />
      {text}
    </output>
  );
}

function KpiTiles({ kpis }: { kpis: OpsKpis | null }) {
  const none = t('ops.kpi.none');
  const air = kpis?.air;
  const congestion = kpis?.congestion;
  const sensors = kpis?.sensors;
  const alerts = kpis?.alerts;
  return (
    <>
      <Tile
        id="aqi-average"
        label={t('ops.kpi.aqiAverage')}
        value={air ? String(air.averageAqi) : none}
        colour={air?.averageBand.colour}
        detail={
          air
            ? `${getLang() === 'en' ? air.averageBand.labelEn : air.averageBand.labelVi} · ${t('ops.kpi.aqiStations', { count: air.stations })}`
            : ''
        }
      />
      <Tile
        id="aqi-worst"
        label={t('ops.kpi.aqiWorst')}
        value={air ? String(air.worst.aqi) : none}
        colour={air?.worst.band.colour}
        detail={air ? air.worst.name : ''}
      />
      <Tile
        id="congestion"
        label={t('ops.kpi.congestion')}
        value={congestion ? String(congestion.index) : none}
        detail={congestion ? t('ops.kpi.congestionDetail', { km: formatNumber(congestion.lengthKm, 0) }) : ''}
        help={t('ops.kpi.congestionHelp')}
      />
      <Tile
        id="alerts-open"
        label={t('ops.kpi.alertsOpen')}
        value={alerts ? String(alerts.open) : none}
        colour={alerts && alerts.critical > 0 ? '#FF0000' : alerts && alerts.open > 0 ? '#FF7E00' : undefined}
        detail={
          alerts ? t('ops.kpi.alertsDetail', { critical: alerts.critical, acked: alerts.acknowledged }) : ''
        }
      />
      <Tile
        id="sensors-online"
        label={t('ops.kpi.sensorsOnline')}
        value={sensors?.percent != null ? `${sensors.percent}%` : none}
        detail={sensors ? t('ops.kpi.sensorsDetail', { online: sensors.online, total: sensors.total }) : ''}
      />
    </>
  );
}

function Tile({
  id,
  label,
  value,
  detail,
  colour,
  help,
}: {
  id: string;
  label: string;
  value: string;
  detail: string;
  colour?: string | undefined;
  help?: string;
}) {
  return (
    <div className="ops-tile" data-kpi={id} title={help}>
      <span className="label">{label}</span>
      <span className="value" data-value={value}>
        {colour && <span className="swatch" style={{ background: colour }} aria-hidden="true" />}
        {value}
      </span>
      <span className="detail">{detail}</span>
    </div>
  );
}

function OpsAlerts({
  alerts,
  replay,
  overlays,
}: {
  alerts: AlertItem[];
  replay: boolean;
  overlays: OverlayController | undefined;
}) {
  const [operator, setOperator] = useState<string | null>(() => loadOperator());
  const [asking, setAsking] = useState<string | null>(null); // the alert key waiting for a name
  const [error, setError] = useState<string | null>(null);
  const en = getLang() === 'en';

  const ack = (key: string, by: string) => {
    setError(null);
    acknowledgeAlert(import.meta.env.BASE_URL, key, by).catch((e: Error) =>
      setError(t('ops.alerts.ackFailed', { message: e.message })),
    );
  };
  const onAck = (key: string) => {
    if (operator) ack(key, operator);
    else setAsking(key);
  };
  const onName = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget).get('name') ?? '').trim();
    if (!name) return;
    saveOperator(name);
    setOperator(name);
    if (asking) ack(asking, name);
    setAsking(null);
  };

  const shown = alerts.slice(0, MAX_ALERTS_SHOWN);
  return (
    <section className="ops-alerts" aria-labelledby="ops-alerts-title" data-testid="ops-alerts">
      <header>
        <h2 id="ops-alerts-title">{t('ops.alerts.title')}</h2>
        {operator && (
          <span className="operator">
            {t('ops.operator.current', { name: operator })}{' '}
            <button type="button" className="link" onClick={() => setAsking('')}>
              {t('ops.operator.change')}
            </button>
          </span>
        )}
      </header>
      {shown.length === 0 ? (
        <p className="empty">{t('ops.alerts.none')}</p>
      ) : (
        <ul>
          {shown.map((a) => (
            <li
              key={a.key}
              className={`alert ${a.severity}${a.active ? '' : ' cleared'}${a.ack ? ' acked' : ''}`}
              data-alert-key={a.key}
              data-acked-by={a.ack?.by ?? ''}
            >
              <button type="button" className="goto" onClick={() => void overlays?.flyToAlert(a.key)}>
                <span className="badge">{t(`overlays.alerts.severity.${a.severity}`)}</span>
                <time dateTime={a.raisedAt}>{formatTime(a.raisedAt)}</time>
                <span className="message">{en ? a.messageEn : a.messageVi}</span>
              </button>
              {a.ack ? (
                <span className="acked-by" data-testid="acked-by">
                  {t('ops.alerts.ackedBy', { by: a.ack.by, time: formatTime(a.ack.at) })}
                </span>
              ) : (
                !replay && (
                  <button
                    type="button"
                    className="ack"
                    title={t('ops.alerts.ackTitle')}
                    onClick={() => onAck(a.key)}
                  >
                    {t('ops.alerts.ack')}
                  </button>
                )
              )}
            </li>
          ))}
        </ul>
      )}
      {alerts.length > shown.length && (
        <p className="more">{t('ops.alerts.more', { count: alerts.length - shown.length })}</p>
      )}
      {error && <p className="error">{error}</p>}
      {asking !== null && (
        <dialog open className="ops-operator" aria-labelledby="ops-operator-title" data-testid="ops-operator">
          <form onSubmit={onName}>
            <h2 id="ops-operator-title">{t('ops.operator.title')}</h2>
            <p>{t('ops.operator.prompt')}</p>
            <input name="name" maxLength={80} required defaultValue={operator ?? ''} autoComplete="name" />
            <div className="actions">
              <button type="submit">{t('ops.operator.save')}</button>
              <button type="button" onClick={() => setAsking(null)}>
                {t('ops.operator.cancel')}
              </button>
            </div>
          </form>
        </dialog>
      )}
    </section>
  );
}
