import './planner.css';
import {
  type PointerEvent as ReactPointerEvent,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import type { ScenarioInfo } from '../../../../tiler/src/api/planning.js';
import { LoginButton } from '../../auth/LoginButton';
import { formatNumber, t } from '../../i18n';
import { LanguageSwitch, useDocumentTitle } from '../../i18n/LanguageSwitch';
import { initialViewState, syncCameraWithUrl, writeInitialLang } from '../../state/appUrlSync';
import { ShareButton } from '../../state/ShareButton';
import { patchUrlViewState } from '../../state/url';
import { fetchScenarios, loadScenario, scenarioDescription, scenarioTitle } from './data';
import { meanSunHours } from './heatmap';
import { MetricsTable } from './MetricsTable';
import { ParcelPanel } from './ParcelPanel';
import { PlannerLegend } from './PlannerLegend';
import {
  type CompareMode,
  type Picked,
  PlannerScene,
  type ScenarioData,
  type SunOverlay,
} from './plannerScene';
import type { EnvelopeStyleMode } from './styles';
import { installPlannerHooks } from './testHooks';

/**
 * Planner mode (`/planner`): pick scenarios A and B, compare them by swipe or in synced views,
 * read A/B/Δ metrics, click a parcel for its limits, and look at sun and shadow.
 */
export function PlannerApp() {
  const leftRef = useRef<HTMLDivElement>(null);
  const rightRef = useRef<HTMLDivElement>(null);
  const viewsRef = useRef<HTMLDivElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const barRef = useRef<HTMLElement>(null);
  const sceneRef = useRef<PlannerScene | null>(null);
  const [scenarios, setScenarios] = useState<ScenarioInfo[] | null>(null);
  const [ids, setIds] = useState<[string, string] | null>(null);
  const [data, setData] = useState<[ScenarioData, ScenarioData] | null>(null);
  const [mode, setMode] = useState<CompareMode>('swipe');
  const [split, setSplit] = useState(0.5);
  const [envelopeMode, setEnvelopeMode] = useState<EnvelopeStyleMode>('violations');
  // Shown layers: the shareable URL's `layers` (envelopes, buildings) when it has them.
  const [visible, setVisible] = useState(() => {
    const { layers } = initialViewState();
    return layers
      ? { envelopes: layers.includes('envelopes'), buildings: layers.includes('buildings') }
      : { envelopes: true, buildings: true };
  });
  const [sun, setSun] = useState({ date: '2025-12-21', hour: 15, shadows: false });
  const [overlay, setOverlay] = useState<SunOverlay>('off');
  const [picked, setPicked] = useState<Picked | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const state = useRef({
    scenarios: null as [string, string] | null,
    picked: null as Picked | null,
    errors: [] as string[],
  });
  state.current = { scenarios: ids, picked, errors };

  const addError = useCallback((message: string) => {
    console.error(`[planner] ${message}`);
    setErrors((e) => [...e, message]);
  }, []);

  useDocumentTitle(`${t('planner.title')} — ${t('app.title')}`);
  useEffect(writeInitialLang, []);
  // The bar wraps onto a second row on narrow screens or in a longer language; the panels and
  // side tags below it follow its real bottom edge (--planner-bar-bottom) instead of a guess.
  useEffect(() => {
    const bar = barRef.current;
    const root = rootRef.current;
    if (!bar || !root) return;
    const place = () =>
      root.style.setProperty('--planner-bar-bottom', `${Math.ceil(bar.offsetTop + bar.offsetHeight)}px`);
    place();
    const observer = new ResizeObserver(place);
    observer.observe(bar);
    return () => observer.disconnect();
  }, []);
  const unwatchCamera = useRef<() => void>(() => {});
  const cameraSynced = useRef(false);

  // The Cesium side lives as long as the page.
  useEffect(() => {
    if (!leftRef.current || !rightRef.current) return;
    const scene = new PlannerScene(leftRef.current, rightRef.current, {
      onPick: setPicked,
      onError: addError,
    });
    sceneRef.current = scene;
    const uninstall = installPlannerHooks(scene, () => state.current);
    return () => {
      uninstall();
      unwatchCamera.current();
      scene.destroy();
      sceneRef.current = null;
    };
  }, [addError]);

  useEffect(() => {
    const abort = new AbortController();
    fetchScenarios(abort.signal)
      .then((list) => {
        setScenarios(list);
        const first = list[0];
        // The shareable URL's pair ("a,b"), where both still exist; else the first two.
        const wanted = initialViewState().scenario?.split(',') ?? [];
        const known = (id: string | undefined) => (id && list.some((s) => s.id === id) ? id : undefined);
        for (const id of wanted)
          if (!known(id)) console.warn(`Shared link: scenario "${id}" is not on the server`);
        const a = known(wanted[0]) ?? first?.id;
        const b = known(wanted[1]) ?? (wanted.length === 1 ? a : (list[1] ?? first)?.id);
        if (a && b) setIds([a, b]);
      })
      .catch((e: unknown) => {
        if (!abort.signal.aborted)
          addError(t('planner.error', { message: e instanceof Error ? e.message : String(e) }));
      });
    return () => abort.abort();
  }, [addError]);

  useEffect(() => {
    if (!ids || !scenarios) return;
    const [a, b] = ids.map((id) => scenarios.find((s) => s.id === id)!);
    let live = true;
    Promise.all([loadScenario(a!), loadScenario(b!)])
      .then(async (pair) => {
        if (!live) return;
        setData(pair);
        setPicked(null);
        const scene = sceneRef.current;
        await scene?.setScenarios(pair[0], pair[1]);
        // After the first pair's opening view: the link's camera, then the URL follows it.
        if (!cameraSynced.current && scene?.viewers[0] && sceneRef.current === scene) {
          cameraSynced.current = true;
          unwatchCamera.current = syncCameraWithUrl(scene.viewers[0]);
        }
      })
      .catch((e: unknown) =>
        addError(t('planner.error', { message: e instanceof Error ? e.message : String(e) })),
      );
    return () => {
      live = false;
    };
  }, [ids, scenarios, addError]);

  useEffect(() => {
    if (ids) patchUrlViewState({ scenario: ids.join(',') });
  }, [ids]);
  useEffect(() => {
    void sceneRef.current?.setMode(mode);
  }, [mode]);
  // One viewer has one shadow map: under the swipe, B's towers would cast shadows onto A's half.
  // Shadows therefore go with the synced views, each viewer casting its own scenario's.
  const setShadows = (on: boolean) => {
    setSun({ ...sun, shadows: on });
    if (on && mode === 'swipe') setMode('sideBySide');
  };
  const changeMode = (m: CompareMode) => {
    setMode(m);
    if (m === 'swipe' && sun.shadows) setSun({ ...sun, shadows: false });
  };
  useEffect(() => {
    sceneRef.current?.setEnvelopeStyle(envelopeMode);
  }, [envelopeMode]);
  useEffect(() => {
    sceneRef.current?.setLayerVisible('envelopes', visible.envelopes);
    sceneRef.current?.setLayerVisible('buildings', visible.buildings);
    patchUrlViewState({ layers: (['envelopes', 'buildings'] as const).filter((k) => visible[k]) });
  }, [visible]);
  useEffect(() => {
    sceneRef.current?.setSun(sun);
  }, [sun]);
  useEffect(() => {
    void sceneRef.current?.setSunOverlay(overlay);
  }, [overlay]);

  // The swipe divider: dragged with the pointer, or moved with the arrow keys.
  const dragDivider = (e: ReactPointerEvent<HTMLDivElement>) => {
    const box = viewsRef.current?.getBoundingClientRect();
    if (!box) return;
    const el = e.currentTarget;
    el.setPointerCapture(e.pointerId);
    const move = (ev: PointerEvent) => {
      const f = Math.min(0.98, Math.max(0.02, (ev.clientX - box.left) / box.width));
      setSplit(f);
      sceneRef.current?.setSplit(f);
    };
    const up = () => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
  };
  const nudge = (delta: number) => {
    const f = Math.min(0.98, Math.max(0.02, split + delta));
    setSplit(f);
    sceneRef.current?.setSplit(f);
  };

  // The means are memoised (a pass over every cell); the text is made at render, in the
  // active language.
  const sunMeans = useMemo(() => {
    const [a, b] = data ?? [];
    if (!a?.sunHours || !b?.sunHours) return null;
    return {
      a: meanSunHours(a.sunHours, b.sunHours),
      b: meanSunHours(b.sunHours, a.sunHours),
      grid: a.sunHours,
    };
  }, [data]);
  const sunSummary =
    sunMeans &&
    t('planner.sun.summary', {
      a: formatNumber(sunMeans.a),
      b: formatNumber(sunMeans.b),
      cells: formatNumber(sunMeans.grid.cols * sunMeans.grid.rows, 0),
      spacing: formatNumber(sunMeans.grid.spacingM),
      sunrise: sunMeans.grid.sunrise,
      sunset: sunMeans.grid.sunset,
    });
  const hourText = `${String(Math.floor(sun.hour)).padStart(2, '0')}:${String(Math.round((sun.hour % 1) * 60)).padStart(2, '0')}`;

  return (
    <div className={`planner mode-${mode}`} ref={rootRef}>
      <div className="planner-views" ref={viewsRef}>
        <div className="planner-view left" ref={leftRef} data-testid="view-a" />
        <div className="planner-view right" ref={rightRef} data-testid="view-b" />
        {mode === 'swipe' && (
          <div
            className="planner-divider"
            style={{ left: `${split * 100}%` }}
            role="slider"
            tabIndex={0}
            aria-label={t('planner.divider')}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(split * 100)}
            data-testid="divider"
            onPointerDown={dragDivider}
            onKeyDown={(e) => {
              if (e.key === 'ArrowLeft') nudge(-0.02);
              if (e.key === 'ArrowRight') nudge(0.02);
            }}
          >
            <span className="handle">⟷</span>
          </div>
        )}
        {data && (
          <>
            <div className="side-tag a" title={scenarioDescription(data[0].info)}>
              A · {scenarioTitle(data[0].info)}
            </div>
            <div className="side-tag b" title={scenarioDescription(data[1].info)}>
              B · {scenarioTitle(data[1].info)}
            </div>
          </>
        )}
      </div>

      <header className="panel planner-bar" ref={barRef}>
        <h1>{t('planner.title')}</h1>
        {scenarios && ids && (
          <>
            {(['A', 'B'] as const).map((side, i) => (
              <label key={side}>
                {t(side === 'A' ? 'planner.scenarioA' : 'planner.scenarioB')}{' '}
                <select
                  value={ids[i]}
                  data-testid={`scenario-${side.toLowerCase()}`}
                  onChange={(e) => setIds(i === 0 ? [e.target.value, ids[1]] : [ids[0], e.target.value])}
                >
                  {scenarios.map((s) => (
                    <option key={s.id} value={s.id}>
                      {scenarioTitle(s)}
                    </option>
                  ))}
                </select>
              </label>
            ))}
            <fieldset className="compare-mode">
              <legend>{t('planner.compare')}</legend>
              {(['swipe', 'sideBySide'] as const).map((m) => (
                <label key={m}>
                  <input
                    type="radio"
                    name="compare"
                    value={m}
                    checked={mode === m}
                    onChange={() => changeMode(m)}
                  />
                  {t(m === 'swipe' ? 'planner.compare.swipe' : 'planner.compare.sideBySide')}
                </label>
              ))}
            </fieldset>
          </>
        )}
        {!scenarios && !errors.length && <span>{t('planner.loading')}</span>}
        {scenarios?.length === 0 && <span>{t('planner.noScenarios')}</span>}
        <div className="planner-bar-end">
          <ShareButton />
          <LanguageSwitch />
          {/* Draft scenarios are the planners' own: log in here, not only on `/`. */}
          <LoginButton />
        </div>
      </header>

      <aside className="panel planner-side">
        <fieldset>
          <legend>{t('planner.layers')}</legend>
          {(['envelopes', 'buildings'] as const).map((k) => (
            <label key={k}>
              <input
                type="checkbox"
                checked={visible[k]}
                onChange={(e) => setVisible({ ...visible, [k]: e.target.checked })}
              />
              {t(k === 'envelopes' ? 'planner.layer.envelopes' : 'planner.layer.buildings')}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>{t('planner.style')}</legend>
          {(['violations', 'landUse'] as const).map((m) => (
            <label key={m}>
              <input
                type="radio"
                name="envelope-style"
                checked={envelopeMode === m}
                onChange={() => setEnvelopeMode(m)}
              />
              {t(m === 'violations' ? 'planner.style.violations' : 'planner.style.landUse')}
            </label>
          ))}
        </fieldset>
        <fieldset className="sun">
          <legend>{t('planner.sun')}</legend>
          <label>
            {t('planner.sun.date')}{' '}
            <input
              type="date"
              value={sun.date}
              data-testid="sun-date"
              onChange={(e) => e.target.value && setSun({ ...sun, date: e.target.value })}
            />
          </label>
          <label className="hour">
            {t('planner.sun.hour', { time: hourText })}
            <input
              type="range"
              min={5.5}
              max={18.5}
              step={0.25}
              value={sun.hour}
              data-testid="sun-hour"
              onChange={(e) => setSun({ ...sun, hour: Number(e.target.value) })}
            />
          </label>
          <label>
            <input
              type="checkbox"
              checked={sun.shadows}
              data-testid="sun-shadows"
              onChange={(e) => setShadows(e.target.checked)}
            />
            {t('planner.sun.shadows')}
          </label>
          {sun.shadows && <p className="note">{t('planner.sun.shadowsNote')}</p>}
          <div className="sun-hours" role="radiogroup" aria-label={t('planner.sun.hours')}>
            <span>{t('planner.sun.hours')}:</span>
            {(['off', 'each', 'delta'] as const).map((o) => (
              <label key={o}>
                <input
                  type="radio"
                  name="sun-overlay"
                  value={o}
                  checked={overlay === o}
                  data-testid={`sun-overlay-${o}`}
                  onChange={() => setOverlay(o)}
                />
                {t(
                  o === 'off'
                    ? 'planner.sun.hours.off'
                    : o === 'each'
                      ? 'planner.sun.hours.each'
                      : 'planner.sun.hours.delta',
                )}
              </label>
            ))}
          </div>
          {data &&
            (sunSummary ? (
              <p className="note">{sunSummary}</p>
            ) : (
              <p className="note">{t('planner.sun.none')}</p>
            ))}
        </fieldset>
      </aside>
      <PlannerLegend
        envelopeMode={envelopeMode}
        showEnvelopes={visible.envelopes}
        showBuildings={visible.buildings}
        overlay={overlay}
        sunDate={data?.[0].sunHours?.date ?? sun.date}
      />

      {data && (
        <MetricsTable
          a={data[0].metrics}
          b={data[1].metrics}
          onSelectParcel={(id) => setPicked({ kind: 'parcel', side: 'B', parcelId: id })}
        />
      )}
      {data && picked?.kind === 'parcel' && (
        <ParcelPanel
          parcelId={picked.parcelId}
          a={data[0].metrics}
          b={data[1].metrics}
          titles={[scenarioTitle(data[0].info), scenarioTitle(data[1].info)]}
          onClose={() => setPicked(null)}
        />
      )}
      {picked?.kind === 'building' && (
        <section className="panel planner-parcel" data-testid="building-panel">
          <header>
            <h2>{t('planner.building.title', { id: picked.id })}</h2>
            <button
              type="button"
              className="close"
              onClick={() => setPicked(null)}
              aria-label={t('panel.close')}
            >
              ×
            </button>
          </header>
          <p>
            {picked.side} · {t('panel.height')}: {formatNumber(picked.heightM)} m · {t('panel.storeys')}:{' '}
            {picked.storeys} · {t('panel.use')}: {picked.use}
          </p>
        </section>
      )}
      {errors.length > 0 && (
        <footer className="panel status-bar" role="status">
          {errors.map((e) => (
            <span key={e} className="error">
              {e}
            </span>
          ))}
        </footer>
      )}
    </div>
  );
}
