/**
 * The view state in the page's URL: read it on load, patch it as the view changes
 * (`history.replaceState`, so the back button is not flooded with camera moves). Parameters a
 * mode adds of its own are kept.
 */
import { decodeViewState, mergeViewStateIntoSearch, type ViewState } from './viewState';

/** The view state of the current URL; bad parts are dropped and reported on the console. */
export function readUrlViewState(): ViewState {
  const { state, errors } = decodeViewState(window.location.search);
  for (const e of errors) console.warn(`Shared link: ${e}`);
  return state;
}

/**
 * Change some fields of the URL's view state and leave the others: `{ camera }` updates the
 * camera only; a field given as `undefined` is removed (e.g. `{ time: undefined }` = live).
 */
export function patchUrlViewState(patch: { [K in keyof ViewState]?: ViewState[K] | undefined }): void {
  const { state } = decodeViewState(window.location.search);
  const next: ViewState = { ...state };
  for (const key of Object.keys(patch) as (keyof ViewState)[]) {
    if (patch[key] === undefined) delete next[key];
    else (next as Record<string, unknown>)[key] = patch[key];
  }
  const query = mergeViewStateIntoSearch(window.location.search, next);
  const url = `${window.location.pathname}${query ? `?${query}` : ''}${window.location.hash}`;
  if (url !== `${window.location.pathname}${window.location.search}${window.location.hash}`)
    window.history.replaceState(window.history.state, '', url);
}

/** The full address of the current view, for a "copy link" button. */
export function shareableUrl(): string {
  return window.location.href;
}
