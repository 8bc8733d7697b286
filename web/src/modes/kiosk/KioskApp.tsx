import './kiosk.css';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useCesium, Viewer } from 'resium';
import { STORY_NAME_PATTERN, type Story } from '../../../../tiler/src/api/kiosk.js';
import type { BuildingProperties } from '../../api';
import { formatNumber, type Lang, t } from '../../i18n';
import { en } from '../../i18n/en';
import { LanguageSwitch, useDocumentTitle, useLang } from '../../i18n/LanguageSwitch';
import { vi } from '../../i18n/vi';
import { USE_GROUPS } from '../../scene/buildingStyle';
import { HOME_VIEW } from '../../scene/home';
import { idleSeconds } from './attract';
import { KioskController } from './kioskController';
import { lockDown } from './lockdown';
import { type KioskProfile, kioskViewerOptions, parseProfile } from './profile';

/**
 * `/kiosk`: the public exhibition kiosk (docs/kiosk.md). Full screen, touch first, public
 * layers only (no live overlays, alerts or operator data). Plays the story from
 * `GET /api/kiosk/story` until touched; resets to it after the idle timeout.
 *
 * URL: `?idle=<s>` idle timeout, `?story=<name>` another story file, `?profile=lite|full`
 * rendering profile, `?lang=vi|en` starting language.
 */

function useSnapshot(c: KioskController) {
  return useSyncExternalStore(
    (f) => c.subscribe(f),
    () => c.snapshot,
  );
}

/** A one-stop tour over the city centre, when the story file cannot be used. */
function fallbackStory(): Story {
  const range = HOME_VIEW.range;
  const pitch = HOME_VIEW.pitch ?? -35;
  const heading = HOME_VIEW.heading ?? 0;
  const d = range * Math.cos((-pitch * Math.PI) / 180);
  return {
    version: 1,
    stops: [
      {
        id: 'overview',
        title: { vi: vi['kiosk.title'], en: en['kiosk.title'] },
        caption: { vi: vi['kiosk.touchToExplore'], en: en['kiosk.touchToExplore'] },
        durationS: 30,
        view: {
          camera: {
            lonDeg: HOME_VIEW.lon - (d * Math.sin((heading * Math.PI) / 180)) / 109_300,
            latDeg: HOME_VIEW.lat - (d * Math.cos((heading * Math.PI) / 180)) / 110_600,
            heightM: range * Math.sin((-pitch * Math.PI) / 180),
            headingDeg: heading,
            pitchDeg: pitch,
          },
        },
      },
    ],
  };
}

type StoryLoad = { story: Story; error: string | null } | null;

async function loadStory(name: string | null): Promise<{ story: Story; error: string | null }> {
  const url =
    name && new RegExp(STORY_NAME_PATTERN).test(name) ? `/api/kiosk/stories/${name}` : '/api/kiosk/story';
  try {
    const res = await fetch(url);
    const body = (await res.json()) as Story | { error: string; problems?: string[] };
    if (!res.ok || !('stops' in body)) {
      const b = body as { error?: string; problems?: string[] };
      const message = [b.error ?? `HTTP ${res.status}`, ...(b.problems ?? [])].join(' — ');
      console.error(`[kiosk] ${message}`);
      return { story: fallbackStory(), error: message };
    }
    return { story: body, error: null };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    console.error(`[kiosk] story: ${message}`);
    return { story: fallbackStory(), error: message };
  }
}

function Bridge({
  story,
  idleS,
  profile,
  onController,
}: {
  story: Story;
  idleS: number;
  profile: KioskProfile;
  onController(c: KioskController | null): void;
}) {
  const { viewer } = useCesium();
  useEffect(() => {
    if (!viewer) return;
    const c = new KioskController(viewer, story, idleS, profile);
    c.start();
    onController(c);
    return () => {
      onController(null);
      c.destroy();
    };
  }, [viewer, story, idleS, profile, onController]);
  return null;
}

export function KioskApp() {
  const [params] = useState(() => new URLSearchParams(window.location.search));
  const [loaded, setLoaded] = useState<StoryLoad>(null);
  const [controller, setController] = useState<KioskController | null>(null);
  const profile = parseProfile(params.get('profile'));

  useEffect(() => lockDown(), []);
  useEffect(() => {
    let live = true;
    void loadStory(params.get('story')).then((l) => {
      if (live) setLoaded(l);
    });
    return () => {
      live = false;
    };
  }, [params]);

  if (!loaded) return <div className="kiosk" />;
  const idleS = idleSeconds(params.get('idle'), loaded.story.idleTimeoutS);
  return (
    <div className="kiosk" data-profile={profile}>
      <Viewer full {...kioskViewerOptions()}>
        <Bridge story={loaded.story} idleS={idleS} profile={profile} onController={setController} />
      </Viewer>
      {controller && <KioskUi controller={controller} story={loaded.story} storyError={loaded.error} />}
    </div>
  );
}

function KioskUi({
  controller,
  story,
  storyError,
}: {
  controller: KioskController;
  story: Story;
  storyError: string | null;
}) {
  const lang = useLang();
  const snap = useSnapshot(controller);
  useDocumentTitle(t('kiosk.title'));
  const stop = story.stops[snap.stop] ?? story.stops[0]!;
  const other: Lang = lang === 'vi' ? 'en' : 'vi';
  return (
    <div className="kiosk-ui" data-mode={snap.mode}>
      <header className="kiosk-top">
        <h1 className="kiosk-brand">{t('kiosk.title')}</h1>
        <div className="kiosk-actions">
          {snap.mode === 'visitor' && (
            <button type="button" className="kiosk-button kiosk-tour" onClick={() => controller.playTour()}>
              {t('kiosk.playTour')}
            </button>
          )}
          <div data-kiosk-keeps-tour="">
            <LanguageSwitch className="kiosk-langs" />
          </div>
        </div>
      </header>

      {snap.phase === 'layers' && <p className="kiosk-loading">{t('kiosk.loading')}</p>}

      {snap.mode === 'attract' && (
        <section className="kiosk-caption" aria-live="polite" data-stop={stop.id}>
          <h2 className="kiosk-caption-title" lang={lang}>
            {stop.title[lang]}
          </h2>
          <p className="kiosk-caption-text" lang={lang}>
            {stop.caption[lang]}
          </p>
          <p className="kiosk-caption-other" lang={other}>
            <span className="kiosk-caption-other-title">{stop.title[other]}</span> — {stop.caption[other]}
          </p>
          <div
            className="kiosk-progress"
            role="img"
            aria-label={t('kiosk.stopOf', { n: snap.stop + 1, total: story.stops.length })}
          >
            {story.stops.map((s, i) => (
              <span key={s.id} className={i === snap.stop ? 'dot current' : 'dot'} />
            ))}
          </div>
          <p className="kiosk-touch-prompt">{t('kiosk.touchToExplore')}</p>
        </section>
      )}

      {snap.mode === 'visitor' && snap.hint && !snap.selected && (
        <section className="kiosk-hint" data-testid="kiosk-hint">
          <h2>{t('kiosk.hint.title')}</h2>
          <ul>
            <li>{t('kiosk.hint.pinch')}</li>
            <li>{t('kiosk.hint.drag')}</li>
            <li>{t('kiosk.hint.tap')}</li>
          </ul>
          <button type="button" className="kiosk-button" onClick={() => controller.dismissHint()}>
            {t('kiosk.hint.ok')}
          </button>
        </section>
      )}

      {snap.mode === 'visitor' && snap.selected && (
        <BuildingCard building={snap.selected} onClose={() => controller.clearSelection()} />
      )}

      {storyError && <p className="kiosk-story-error">{t('kiosk.storyError')}</p>}

      <footer className="kiosk-credits">
        <span>{t('kiosk.illustrative')}</span>
        {snap.attributions.length > 0 && (
          <span>{t('kiosk.sources', { sources: snap.attributions.join(' · ') })}</span>
        )}
      </footer>
    </div>
  );
}

function useGroupLabel(code: string): string {
  const group = USE_GROUPS.find((g) => g.codes.includes(code));
  return group ? t(`kiosk.use.${group.id}`) : code ? t('kiosk.use.other') : t('kiosk.unknown');
}

/** The public facts of a tapped building: name, kind of use, storeys, height. Nothing else. */
function BuildingCard({ building, onClose }: { building: BuildingProperties; onClose(): void }) {
  const rows: [string, string, string][] = [
    ['use', t('kiosk.building.use'), useGroupLabel(building.use)],
    [
      'storeys',
      t('kiosk.building.storeys'),
      building.storeys > 0 ? formatNumber(building.storeys, 0) : t('kiosk.unknown'),
    ],
    [
      'height',
      t('kiosk.building.height'),
      Number.isFinite(building.height)
        ? t('kiosk.building.metres', { value: formatNumber(building.height, 0) })
        : t('kiosk.unknown'),
    ],
  ];
  return (
    <section className="kiosk-building" data-testid="kiosk-building" aria-labelledby="kiosk-building-name">
      <h2 id="kiosk-building-name" data-proper-name={building.name ? '' : undefined}>
        {building.name || t('kiosk.building.unnamed')}
      </h2>
      <dl>
        {rows.map(([key, label, value]) => (
          <div key={key} data-field={key}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <button type="button" className="kiosk-button" onClick={onClose}>
        {t('kiosk.building.close')}
      </button>
    </section>
  );
}
