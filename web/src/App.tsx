import { type RefObject, useEffect, useMemo, useRef, useState } from 'react';
import { useCesium, Viewer } from 'resium';
import type { BuildingProperties } from './api';
import { LoginButton } from './auth/LoginButton';
import { CatalogUi } from './catalog/CatalogUi';
import { inLang, t } from './i18n';
import { LanguageSwitch, useDocumentTitle } from './i18n/LanguageSwitch';
import { OverlayController } from './overlays/controller';
import { LiveOverlays } from './overlays/LiveOverlays';
import { BuildingPanel } from './panels/BuildingPanel';
import { Legend } from './panels/Legend';
import type { StyleMode } from './scene/buildingStyle';
import { installTestHooks } from './scene/testHooks';
import { type SceneCallbacks, type SceneState, TwinScene } from './scene/twinScene';
import { OFFLINE_VIEWER_OPTIONS } from './scene/viewerSetup';
import { syncCameraWithUrl, syncReplayWithUrl, writeInitialLang } from './state/appUrlSync';
import { ShareButton } from './state/ShareButton';

/** Lives inside Resium's <Viewer>, so it runs once the Cesium viewer exists. */
function SceneBridge({
  callbacks,
  twinRef,
  onOverlays,
}: {
  callbacks: SceneCallbacks;
  twinRef: RefObject<TwinScene | null>;
  onOverlays(overlays: OverlayController | null): void;
}) {
  const { viewer } = useCesium();
  useEffect(() => {
    if (!viewer) return;
    const twin = new TwinScene(viewer, callbacks);
    twinRef.current = twin;
    // Shareable URL (web/src/state): the link's camera replaces the opening view.
    const unsyncCamera = syncCameraWithUrl(viewer);
    // Live overlays (web/src/overlays): the feed hub's sensors, traffic, buses and alerts.
    const overlays = new OverlayController(twin);
    const unsyncReplay = syncReplayWithUrl(overlays);
    const uninstall = installTestHooks(twin, overlays);
    void twin.start();
    void overlays.start();
    onOverlays(overlays);
    return () => {
      uninstall();
      unsyncReplay();
      unsyncCamera();
      onOverlays(null);
      overlays.destroy();
      twin.destroy();
      if (twinRef.current === twin) twinRef.current = null;
    };
  }, [viewer, callbacks, twinRef, onOverlays]);
  return null;
}

export function App() {
  const twinRef = useRef<TwinScene | null>(null);
  const [state, setState] = useState<SceneState>({ phase: 'layers', layers: [], errors: [] });
  const [selected, setSelected] = useState<BuildingProperties | null>(null);
  const [mode, setMode] = useState<StyleMode>('use');
  const [features, setFeatures] = useState(0);
  const [overlays, setOverlays] = useState<OverlayController | null>(null);
  const callbacks = useMemo<SceneCallbacks>(
    () => ({ onState: setState, onSelect: setSelected, onFrame: setFeatures }),
    [],
  );

  useDocumentTitle(t('app.title'));
  useEffect(writeInitialLang, []);

  const changeMode = (m: StyleMode) => {
    setMode(m);
    twinRef.current?.setStyleMode(m);
  };

  const status = {
    layers: t('status.loadingLayers'),
    tiles: t('status.loadingTiles'),
    ready: t('status.ready'),
    empty: t('status.noLayers'),
    error: '',
  }[state.phase];

  return (
    <div className="app">
      <Viewer full {...OFFLINE_VIEWER_OPTIONS}>
        <SceneBridge callbacks={callbacks} twinRef={twinRef} onOverlays={setOverlays} />
      </Viewer>
      <header className="panel title-bar">
        <div className="title-text">
          <h1>{t('app.title')}</h1>
          <p>{t('app.subtitle')}</p>
        </div>
        <ShareButton />
        <LanguageSwitch />
        <LoginButton />
      </header>
      <Legend mode={mode} onModeChange={changeMode} layers={state.layers} />
      {selected && <BuildingPanel building={selected} onClose={() => twinRef.current?.clearSelection()} />}
      {overlays && <LiveOverlays controller={overlays} buildingPanelOpen={selected !== null} />}
      <CatalogUi twinRef={twinRef} phase={state.phase} />
      <footer className="panel status-bar" role="status" data-phase={state.phase}>
        {status && <span>{status}</span>}
        {features > 0 && <span>{t('status.features', { count: features })}</span>}
        {state.errors.map((e) => (
          <span key={`${e.layer?.id ?? ''}:${e.message}`} className="error">
            {e.layer
              ? t('status.layerError', {
                  title: inLang(e.layer.title, e.layer.en?.title),
                  message: e.message,
                })
              : t('status.layersError', { message: e.message })}
          </span>
        ))}
      </footer>
    </div>
  );
}
