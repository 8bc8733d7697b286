import './ops.css';
import { Component, type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useCesium, Viewer } from 'resium';
import BOOKMARKS_TEXT from '../../../../data/ops/bookmarks.json?raw';
import { LoginButton } from '../../auth/LoginButton';
import { t } from '../../i18n';
import { LanguageSwitch, useDocumentTitle } from '../../i18n/LanguageSwitch';
import { OverlayController } from '../../overlays/controller';
import { installTestHooks } from '../../scene/testHooks';
import { TwinScene } from '../../scene/twinScene';
import { OFFLINE_VIEWER_OPTIONS } from '../../scene/viewerSetup';
import { cameraViewOf, flyToView } from '../../state/cesiumView';
import { decodeViewState } from '../../state/viewState';
import { parseBookmarks } from './bookmarks';
import { applyMemoryBudget, type MemoryBudget, memoryBudgetOf } from './memoryBudget';
import { OpsPanels } from './OpsPanels';
import type { OpsHooks, OpsKpis, OpsRuntime } from './runtime';
import { Tour, type TourPhase, tourSettings } from './tour';

/**
 * Operations centre (`/ops`): the city and its live overlays on a video wall that runs for
 * months without anyone reloading it. The Cesium viewer is disposable: when its WebGL context
 * is lost (driver reset, GPU process crash, `WEBGL_lose_context`) or its render loop throws,
 * the whole viewer — canvas, scene, tilesets, terrain, overlays — is dropped and a new one is
 * built in its place with the camera where it was (a new React `key`), without a page reload.
 * See docs/ops.md.
 */

/** Input that stops the tour (and restarts its idle clock). */
const INPUT_EVENTS = ['pointerdown', 'pointermove', 'wheel', 'keydown', 'touchstart'] as const;

const BOOKMARKS = parseBookmarks(BOOKMARKS_TEXT, 'data/ops/bookmarks.json');
for (const e of BOOKMARKS.errors) console.error(`[ops] ${e}`);
const { bookmarks } = BOOKMARKS;

export function OpsApp() {
  useDocumentTitle(t('ops.title'));
  const settings = useMemo(() => {
    const search = window.location.search;
    const tour = tourSettings(search);
    if (tour.error) console.error(`[ops] ${tour.error}`);
    const scale = Number(new URLSearchParams(search).get('renderScale') ?? 1);
    return {
      tour: tour.settings,
      budget: memoryBudgetOf(search),
      camera: decodeViewState(search).state.camera,
      // A 4K wall on a weak GPU can render below its pixel size; the panels stay sharp.
      renderScale: Number.isFinite(scale) && scale >= 0.25 && scale <= 2 ? scale : 1,
    };
  }, []);
  const runtime = useRef<OpsRuntime>({
    camera: settings.camera ?? null,
    generation: 0,
    givenUp: -1,
    recoveries: 0,
    lostAt: 0,
    recoveryMs: [],
    lastLossReason: '',
    frames: 0,
    scene: null,
  });
  const [generation, setGeneration] = useState(0);
  const [recovering, setRecovering] = useState(false);
  const [scene, setScene] = useState<OpsRuntime['scene']>(null);
  const [tourState, setTourState] = useState<{ phase: TourPhase; stop: number }>({ phase: 'off', stop: -1 });
  const kpisRef = useRef<OpsKpis | null>(null);

  /**
   * Viewer `generation` is gone (context lost, render loop failed, or it crashed while being
   * built): build a new one, camera kept. Each viewer is given up once — its context-loss event
   * and its render error both report it, and one already replaced has nothing to report. A
   * replacement that is lost too (a second loss while recovering: a flaky driver loses
   * contexts in bursts) is replaced again, after a pause rather than in a tight loop.
   */
  const onLost = useCallback((reason: string, generation: number) => {
    const r = runtime.current;
    if (generation !== r.generation || r.givenUp === generation) return;
    r.givenUp = generation;
    const viewer = r.scene?.viewer;
    if (viewer && !viewer.isDestroyed()) {
      try {
        r.camera = cameraViewOf(viewer);
      } catch {
        /* keep the last known camera */
      }
    }
    const again = r.lostAt !== 0;
    // Recovery time counts from the first loss until buildings are drawn again.
    if (!again) r.lostAt = performance.now();
    r.recoveries++;
    r.lastLossReason = reason;
    r.scene = null;
    console.warn(`[ops] 3D view lost (${reason}); rebuilding the viewer${again ? ' again' : ''}`);
    setRecovering(true);
    setScene(null);
    const rebuild = () => {
      r.generation++;
      setGeneration(r.generation);
    };
    if (again) setTimeout(rebuild, 1_000);
    else rebuild();
  }, []);

  const onDrawn = useCallback(() => {
    const r = runtime.current;
    if (!r.lostAt) return;
    r.recoveryMs.push(performance.now() - r.lostAt);
    if (r.recoveryMs.length > 100) r.recoveryMs.shift();
    r.lostAt = 0;
    setRecovering(false);
  }, []);

  const onScene = useCallback((s: OpsRuntime['scene']) => {
    runtime.current.scene = s;
    setScene(s);
  }, []);

  // The tour lives as long as the page, across recoveries: it flies whichever viewer is current.
  const tour = useMemo(
    () =>
      new Tour(settings.tour, {
        stops: bookmarks.length,
        fly: (i, durationS) => {
          const viewer = runtime.current.scene?.viewer;
          const b = bookmarks[i];
          if (!viewer || viewer.isDestroyed() || !b) return Promise.resolve(false);
          return flyToView(viewer, b.camera, durationS);
        },
        onPhase: (phase, stop) => setTourState({ phase, stop }),
      }),
    [settings.tour],
  );
  useEffect(() => {
    const onInput = () => {
      if (tour.phase === 'flying') runtime.current.scene?.viewer.camera.cancelFlight();
      tour.input();
    };
    for (const e of INPUT_EVENTS) window.addEventListener(e, onInput, { passive: true, capture: true });
    tour.start();
    return () => {
      for (const e of INPUT_EVENTS) window.removeEventListener(e, onInput, { capture: true });
      tour.stopAll();
    };
  }, [tour]);

  useEffect(() => {
    const hooks: OpsHooks = {
      get generation() {
        return runtime.current.generation;
      },
      get recoveries() {
        return runtime.current.recoveries;
      },
      get recovering() {
        return runtime.current.lostAt !== 0;
      },
      get recoveryMs() {
        return [...runtime.current.recoveryMs];
      },
      get frames() {
        return runtime.current.frames;
      },
      get renderedFeatures() {
        return runtime.current.scene?.twin.renderedFeatures ?? 0;
      },
      get kpis() {
        return kpisRef.current;
      },
      get tour() {
        return { phase: tour.phase, stop: tour.stop };
      },
      bookmarks,
      camera() {
        const v = runtime.current.scene?.viewer;
        return v && !v.isDestroyed() ? cameraViewOf(v) : null;
      },
      memory() {
        const s = runtime.current.scene;
        if (!s || s.viewer.isDestroyed()) return null;
        const tilesets = s.twin.tilesets;
        return {
          tilesetBytes: tilesets.reduce((n, ts) => n + ts.totalMemoryUsageInBytes, 0),
          budgetBytes: settings.budget.tilesetBytes,
          tilesets: tilesets.length,
          globeTileCacheSize: s.viewer.scene.globe.tileCacheSize,
        };
      },
      setResolutionScale(scale) {
        const v = runtime.current.scene?.viewer;
        if (v && !v.isDestroyed()) {
          v.resolutionScale = scale;
          v.scene.requestRender();
        }
      },
      loseContext() {
        const canvas = runtime.current.scene?.viewer.scene.canvas;
        const gl = canvas?.getContext('webgl2') ?? canvas?.getContext('webgl');
        const ext = gl?.getExtension('WEBGL_lose_context');
        if (!ext) return false;
        ext.loseContext();
        return true;
      },
    };
    window.__bdtwinOps = hooks;
    return () => {
      if (window.__bdtwinOps === hooks) delete window.__bdtwinOps;
    };
  }, [tour, settings.budget]);

  const flyToBookmark = useCallback((id: string) => {
    const viewer = runtime.current.scene?.viewer;
    const b = bookmarks.find((x) => x.id === id);
    if (viewer && b) void flyToView(viewer, b.camera, 3);
  }, []);

  return (
    <div className="ops" data-testid="ops" data-generation={generation}>
      <ViewerBoundary onError={(reason) => onLost(reason, generation)} generation={generation}>
        <Viewer key={generation} full {...OFFLINE_VIEWER_OPTIONS} showRenderLoopErrors={false}>
          <OpsBridge
            generation={generation}
            budget={settings.budget}
            renderScale={settings.renderScale}
            runtime={runtime}
            onLost={onLost}
            onDrawn={onDrawn}
            onScene={onScene}
          />
        </Viewer>
      </ViewerBoundary>
      <OpsPanels
        scene={scene}
        bookmarks={bookmarks}
        tour={tourState}
        tourIdleS={settings.tour.idleS}
        recovering={recovering}
        onBookmark={flyToBookmark}
        onKpis={(k) => {
          kpisRef.current = k;
        }}
        languageSwitch={
          <>
            <LanguageSwitch className="ops-lang" />
            <LoginButton className="ops-auth" />
          </>
        }
      />
    </div>
  );
}

/**
 * Lives inside Resium's <Viewer>: builds the city and overlays on this viewer, watches for the
 * loss of its WebGL context, and tears everything down when React drops the viewer.
 */
function OpsBridge({
  generation,
  budget,
  renderScale,
  runtime,
  onLost,
  onDrawn,
  onScene,
}: {
  /** This viewer's generation (the key of its <Viewer>). */
  generation: number;
  budget: MemoryBudget;
  /** Cesium's resolutionScale once loaded (`?renderScale=`, 0.25–2; 1 by default). */
  renderScale: number;
  runtime: React.RefObject<OpsRuntime>;
  onLost(reason: string, generation: number): void;
  onDrawn(): void;
  onScene(scene: OpsRuntime['scene']): void;
}) {
  const { viewer } = useCesium();
  useEffect(() => {
    if (!viewer) return;
    const r = runtime.current;
    r.frames = 0;
    const twin = new TwinScene(viewer, { onState: () => {}, onSelect: () => {} });
    if (r.camera) void flyToView(viewer, r.camera, 0);
    // Acknowledgements go to the hub (OpsPanels), not to this browser's storage.
    const overlays = new OverlayController(twin, { storage: null });
    const uninstallHooks = installTestHooks(twin, overlays);
    // Until the first frame with buildings, draw at half resolution and leave the overlays
    // (thousands of traffic lines) for later: the city is back on the wall in fewer, cheaper
    // frames — what matters after a context loss on a weak GPU.
    viewer.resolutionScale = renderScale / 2;
    let overlaysStarted = false;
    const firstDrawn = () => {
      if (overlaysStarted) return;
      overlaysStarted = true;
      viewer.resolutionScale = renderScale;
      void overlays.start();
    };
    void twin.start();
    void twin.settled.then(() => {
      if (!viewer.isDestroyed()) applyMemoryBudget(budget, twin.tilesets, viewer.scene.globe);
    });
    const { scene } = viewer;
    const canvas = scene.canvas;
    const lost = () => onLost('webglcontextlost', generation);
    canvas.addEventListener('webglcontextlost', lost);
    const offError = scene.renderError.addEventListener((_s: unknown, error: unknown) =>
      onLost(`render error: ${error instanceof Error ? error.message : String(error)}`, generation),
    );
    const offPost = scene.postRender.addEventListener(() => {
      r.frames++;
      if (twin.renderedFeatures > 0) {
        onDrawn();
        firstDrawn();
      }
    });
    // A city without buildings (no tilesets) still gets its overlays.
    void twin.settled.then(() => {
      if (twin.tilesets.length === 0 && !viewer.isDestroyed()) firstDrawn();
    });
    onScene({ viewer, twin, overlays });
    return () => {
      canvas.removeEventListener('webglcontextlost', lost);
      offError();
      offPost();
      uninstallHooks();
      // A lost context makes some GL deletes fail; what is left goes with the canvas.
      for (const destroy of [() => overlays.destroy(), () => twin.destroy()]) {
        try {
          destroy();
        } catch (e) {
          console.warn('[ops] teardown:', e);
        }
      }
    };
  }, [viewer, generation, budget, renderScale, runtime, onLost, onDrawn, onScene]);
  return null;
}

/**
 * Catches an exception from the Cesium viewer's React subtree (creation or teardown of a viewer
 * whose context is gone) and turns it into a recovery instead of a blank page.
 */
class ViewerBoundary extends Component<
  { onError(reason: string): void; generation: number; children: ReactNode },
  { failedGeneration: number | null }
> {
  override state = { failedGeneration: null as number | null };

  static getDerivedStateFromError(): Partial<{ failedGeneration: number | null }> {
    return { failedGeneration: -1 };
  }

  override componentDidCatch(error: unknown): void {
    this.setState({ failedGeneration: this.props.generation });
    this.props.onError(`viewer error: ${error instanceof Error ? error.message : String(error)}`);
  }

  override render(): ReactNode {
    const failed = this.state.failedGeneration;
    if (failed !== null && (failed === -1 || failed === this.props.generation)) return null;
    return this.props.children;
  }
}
