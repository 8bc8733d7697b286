/**
 * The UI font: Be Vietnam Pro, self-hosted through @fontsource (imported in main.tsx; CSS in
 * app.css). Canvas text — Cesium labels, marker images — is drawn once and cached as a
 * texture, so the font must be loaded before the first label, or the fallback's glyphs stay.
 */
export const UI_FONT_FAMILY = '"Be Vietnam Pro"';

/** A CSS `font` value for canvas text (Cesium `Label.font`, marker canvases). */
export function canvasFont(weight: 400 | 600 | 700, sizePx: number): string {
  return `${weight} ${sizePx}px ${UI_FONT_FAMILY}, system-ui, "DejaVu Sans", sans-serif`;
}

/** Resolves once the weights used on canvases are loaded (Vietnamese and Latin glyphs). */
export const uiFontReady: Promise<void> =
  typeof document === 'undefined' || !document.fonts
    ? Promise.resolve()
    : Promise.all(
        ([400, 600, 700] as const).map((w) => document.fonts.load(canvasFont(w, 16), 'Aa Ắắ Ệệ Ữữ Đđ')),
      ).then(
        () => undefined,
        () => undefined,
      );

/** Start loading the canvas font early (main.tsx); the promise above is what callers await. */
export function preloadUiFont(): void {
  void uiFontReady;
}
