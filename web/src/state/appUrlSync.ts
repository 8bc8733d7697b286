/**
 * The city viewer's (`/`) part of the shareable URL: on load, put the camera, the shown layers
 * and the replay time where the link says; afterwards keep the URL in step with them
 * (`history.replaceState`, camera debounced). The language is written by `setLang` itself.
 */
import type { Viewer } from 'cesium';
import type { CatalogController } from '../catalog/controller';
import { getLang } from '../i18n';
import type { OverlayController } from '../overlays/controller';
import { flyToView, watchCameraView } from './cesiumView';
import { patchUrlViewState, readUrlViewState } from './url';
import type { ViewState } from './viewState';

/** The view the page was opened with, read once before anything rewrites the URL. */
let initial: ViewState | undefined;
export function initialViewState(): ViewState {
  initial ??= readUrlViewState();
  return initial;
}

/** Write the language into the URL from the start, so a link copied at once carries it. */
export function writeInitialLang(): void {
  initialViewState();
  patchUrlViewState({ lang: getLang() });
}

/**
 * Camera: jump to the link's camera (if any), then record every view the camera comes to rest
 * at. Call right after the scene set its opening view. Returns the unsubscribe function.
 */
export function syncCameraWithUrl(viewer: Viewer): () => void {
  const { camera } = initialViewState();
  if (camera) void flyToView(viewer, camera, 0);
  return watchCameraView(viewer, (view) => patchUrlViewState({ camera: view }));
}

/**
 * Layers: once the catalogue is ready, show exactly the link's layers (ids it does not know are
 * reported and skipped); then record the shown layers (ids, catalogue order) on every change.
 * Call `changed()` from the controller's change callback.
 */
export function catalogUrlSync(): { changed(c: CatalogController): void } {
  let restored = false;
  let last = '';
  return {
    changed(c) {
      if (!c.ready) return;
      if (!restored) {
        restored = true;
        const { layers } = initialViewState();
        if (layers) {
          const known = new Set(c.entries.map((e) => e.info.id));
          for (const id of layers)
            if (!known.has(id)) console.warn(`Shared link: layer "${id}" is not in the catalogue`);
          for (const e of c.entries) {
            const shown = layers.includes(e.info.id);
            if (e.shown !== shown) void c.setShown(e.info.id, shown);
          }
          // `shown` flags are set synchronously by setShown: record the result below.
        }
      }
      const shown = c.entries.filter((e) => e.shown).map((e) => e.info.id);
      const key = shown.join(',');
      if (key === last) return;
      last = key;
      patchUrlViewState({ layers: shown });
    },
  };
}

/**
 * Replay time: once the overlays know whether the service has a feed hub, replay the link's
 * moment; then record the replayed moment, or remove it when back to live.
 */
export function syncReplayWithUrl(overlays: OverlayController): () => void {
  const { time } = initialViewState();
  let restored = time === undefined;
  let last: number | null | undefined;
  const onView = () => {
    const view = overlays.getView();
    if (!restored) {
      if (view.available === null) return;
      restored = true;
      if (view.available && time) {
        void overlays.seek(Date.parse(time));
        return;
      }
    }
    const at = view.mode === 'replay' ? view.replayAt : null;
    if (at === last) return;
    last = at;
    patchUrlViewState({ time: at === null ? undefined : new Date(at).toISOString() });
  };
  const off = overlays.subscribe(onView);
  onView();
  return off;
}
