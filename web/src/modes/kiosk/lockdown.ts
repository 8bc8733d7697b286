/**
 * Lock the page down for an unattended public kiosk: no context menu, no text selection or
 * image dragging, no browser pinch-zoom of the page, no keyboard shortcuts that leave or
 * reload the page (where the browser lets a page stop them), no links out, and a history trap
 * so the back gesture stays on /kiosk. Chromium's `--kiosk` flag does the rest (no address bar,
 * no tabs); see README, "Public kiosk".
 * Returns the function that undoes it all (tests, hot reload).
 */
export function lockDown(win: Window = window): () => void {
  const doc = win.document;
  const undo: (() => void)[] = [];
  const on = <K extends keyof WindowEventMap>(
    type: K,
    f: (e: WindowEventMap[K]) => void,
    passive = false,
  ) => {
    win.addEventListener(type, f as EventListener, { capture: true, passive });
    undo.push(() => win.removeEventListener(type, f as EventListener, { capture: true }));
  };
  const prevent = (e: Event) => e.preventDefault();

  on('contextmenu', prevent);
  on('selectstart', prevent);
  on('dragstart', prevent);
  // Ctrl + wheel and trackpad pinch zoom the page in Chromium; the map has its own zoom.
  on('wheel', (e) => {
    if (e.ctrlKey) e.preventDefault();
  });
  // Safari's page pinch.
  for (const type of ['gesturestart', 'gesturechange'] as const) {
    doc.addEventListener(type, prevent, { capture: true });
    undo.push(() => doc.removeEventListener(type, prevent, { capture: true }));
  }
  on('keydown', (e) => {
    if (isNavigationKey(e)) {
      e.preventDefault();
      e.stopPropagation();
    }
  });
  // No links out: a click on any <a href> (e.g. a credit) goes nowhere.
  on('click', (e) => {
    const a = (e.target as Element | null)?.closest?.('a[href]');
    if (a) e.preventDefault();
  });
  on('auxclick', prevent);

  // History trap: the back gesture / Alt+Left pops our extra entry, and we push it again.
  win.history.pushState({ kiosk: true }, '', win.location.href);
  const onPop = () => win.history.pushState({ kiosk: true }, '', win.location.href);
  win.addEventListener('popstate', onPop);
  undo.push(() => win.removeEventListener('popstate', onPop));

  // No page zoom by the browser's own pinch (touch-action on the canvas handles the map).
  const meta = doc.querySelector('meta[name="viewport"]');
  const before = meta?.getAttribute('content') ?? null;
  meta?.setAttribute('content', 'width=device-width, initial-scale=1, maximum-scale=1, user-scalable=no');
  undo.push(() => {
    if (meta && before !== null) meta.setAttribute('content', before);
  });
  doc.documentElement.classList.add('kiosk-locked');
  undo.push(() => doc.documentElement.classList.remove('kiosk-locked'));

  return () => {
    for (const f of undo.splice(0).reverse()) f();
  };
}

/** Keys that would leave, reload or zoom the page, or open browser tools. */
export function isNavigationKey(
  e: Pick<KeyboardEvent, 'key' | 'altKey' | 'ctrlKey' | 'metaKey' | 'target'>,
): boolean {
  const editing =
    e.target instanceof HTMLElement &&
    (e.target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName));
  if (e.key === 'Backspace' && !editing) return true;
  if (e.altKey && (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home')) return true;
  if (
    e.key === 'F5' ||
    e.key === 'F11' ||
    e.key === 'F12' ||
    e.key === 'BrowserBack' ||
    e.key === 'BrowserForward'
  )
    return true;
  if (e.ctrlKey || e.metaKey) {
    return [
      'r',
      'R',
      'l',
      'L',
      'p',
      'P',
      's',
      'S',
      'o',
      'O',
      'u',
      'U',
      '+',
      '-',
      '=',
      '0',
      '[',
      ']',
    ].includes(e.key);
  }
  return false;
}
