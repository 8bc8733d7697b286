/**
 * Language switching and the shareable URL in real headless Chromium against the real service
 * and the demo city (with its demo catalogue):
 * 1. `/` opens in Vietnamese; VI | EN switches to English without a reload and without a new
 *    Cesium viewer: title, legend, status, the home button's tooltip, `<html lang>`,
 *    `document.title` and the URL follow; no text in the English UI has Vietnamese-only
 *    letters (place names and elements marked `data-proper-name` / `lang="vi"` aside), with
 *    the catalogue panel open too.
 * 2. A link `?cam=…&layers=…&lang=en` opens English (although Vietnamese was remembered), with
 *    the camera within 50 m of the link's and exactly the link's layers shown.
 * 3. Moving the camera rewrites `cam=` in the URL (debounced `replaceState`).
 * Screenshots: test-output/i18n-vi.png, i18n-en.png, i18n-en-catalog.png.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../tiler/src/serve/server.js';
import type { CatalogHooks } from '../src/catalog/testHooks';
import { PROPER_NAMES, VIETNAMESE_ONLY_LETTERS } from '../src/i18n/properNames';
import type { BdtwinHooks } from '../src/scene/testHooks';
import { decodeViewState } from '../src/state/viewState';
import {
  DEMO_TERRAIN_EDGE_404,
  demoModule,
  HAVE_CHROMIUM,
  isLocal,
  launchChromium,
  OUT,
  openWatchedPage,
  type PageWatch,
} from './browser';

declare global {
  interface Window {
    __bdtwin?: BdtwinHooks;
    __bdtwinCatalog?: CatalogHooks;
    __noReload?: number;
    __firstCanvas?: HTMLCanvasElement | null;
  }
}

const VIEWPORT = { width: 1280, height: 720 };
const LOAD_TIMEOUT_MS = 120_000;
/** The example view: over central Thủ Dầu Một, looking north-north-east. */
const LINK_CAMERA = { lonDeg: 106.6521, latDeg: 10.9804, heightM: 1800, headingDeg: 15, pitchDeg: -35 };

interface CatalogDemoModule {
  ensureDemoCatalog(dataDir: string, options?: { log?: (line: string) => void }): Promise<unknown>;
}
const CATALOG_DEMO = '../../scripts/catalog/demo.js';

type Server = Awaited<ReturnType<typeof startServer>>;

/** Great-circle distance (m) plus the height difference, for "the camera landed there". */
function distanceM(
  a: { lonDeg: number; latDeg: number; heightM: number },
  b: { lonDeg: number; latDeg: number; heightM: number },
): number {
  const r = 6_371_000;
  const rad = Math.PI / 180;
  const dLat = (b.latDeg - a.latDeg) * rad;
  const dLon = (b.lonDeg - a.lonDeg) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(a.latDeg * rad) * Math.cos(b.latDeg * rad) * Math.sin(dLon / 2) ** 2;
  const ground = 2 * r * Math.asin(Math.sqrt(h));
  return Math.hypot(ground, b.heightM - a.heightM);
}

/** What a user reads: the texts of the page (title bar, legend, panels, status). */
async function visibleTexts(page: Page) {
  return page.evaluate(() => {
    const q = (sel: string) => document.querySelector(sel)?.textContent?.trim() ?? null;
    return {
      h1: q('.title-bar h1'),
      subtitle: q('.title-bar p'),
      legend: q('[data-testid="legend"] h3'),
      status: q('.status-bar'),
      documentTitle: document.title,
      htmlLang: document.documentElement.lang,
      homeTooltip: (document.querySelector('.cesium-home-button') as HTMLElement | null)?.title ?? null,
      pressed:
        document.querySelector('[data-testid="lang-switch"] [aria-pressed="true"]')?.textContent ?? null,
    };
  });
}

/**
 * Text nodes and user-facing attributes (title, aria-label, placeholder) of the page that
 * contain Vietnamese-only letters once the allowed place names are removed. Skips data marked
 * as proper names (`data-proper-name`) or as Vietnamese (`lang="vi"` on an element).
 */
async function vietnameseLeftOvers(page: Page): Promise<string[]> {
  return page.evaluate(
    ({ letters, names }) => {
      const re = new RegExp(letters, 'u');
      const clean = (s: string) => names.reduce((acc, n) => acc.split(n).join(' '), s);
      const exempt = (el: Element | null) =>
        !el || el.closest('[data-proper-name], body [lang="vi"], script, style') !== null;
      const found: string[] = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const text = n.textContent ?? '';
        if (re.test(clean(text)) && !exempt(n.parentElement)) found.push(`text: ${text.trim()}`);
      }
      for (const el of document.body.querySelectorAll('[title], [aria-label], [placeholder]')) {
        for (const attr of ['title', 'aria-label', 'placeholder']) {
          const v = el.getAttribute(attr);
          if (v && re.test(clean(v)) && !exempt(el)) found.push(`${attr}: ${v}`);
        }
      }
      return found;
    },
    { letters: VIETNAMESE_ONLY_LETTERS.source, names: [...PROPER_NAMES] },
  );
}

describe.skipIf(!HAVE_CHROMIUM)('language switch and shareable URL (headless Chromium)', () => {
  let server: Server | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  const watch: PageWatch = { requests: [], failures: [], pageErrors: [] };
  const { requests, failures, pageErrors } = watch;

  beforeAll(async () => {
    const log = (line: string) => console.log(`[i18n e2e] ${line}`);
    const { ensureDemo, ensureWebBuild } = await demoModule();
    const { dataDir } = await ensureDemo({ log });
    const { ensureDemoCatalog } = (await import(/* @vite-ignore */ CATALOG_DEMO)) as CatalogDemoModule;
    await ensureDemoCatalog(dataDir, { log });
    const webDir = process.env.BDTWIN_WEB_DIST ?? (await ensureWebBuild({ log }));
    server = await startServer({ port: 0, dataDir, webDir });
    await mkdir(OUT, { recursive: true });
    browser = await launchChromium();
    ({ context, page } = await openWatchedPage(
      browser,
      { viewport: VIEWPORT },
      watch,
      DEMO_TERRAIN_EDGE_404,
    ));
  }, 900_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  /** Layers and catalogue in; with `tiles`, also every tile of the view drawn ("Ready"). */
  const waitReady = async (p: Page, tiles: boolean) => {
    await p.waitForFunction(
      (tiles) =>
        window.__bdtwin?.ready === true &&
        window.__bdtwinCatalog?.ready === true &&
        (!tiles || document.querySelector('.status-bar')?.getAttribute('data-phase') === 'ready'),
      tiles,
      { timeout: LOAD_TIMEOUT_MS, polling: 250 },
    );
  };

  it('opens in Vietnamese and switches to English without reloading', async () => {
    const p = page!;
    const t0 = Date.now();
    await p.goto(`${server!.url}/`, { waitUntil: 'load' });
    await waitReady(p, true);
    console.log(`[i18n e2e] ready in ${Date.now() - t0} ms`);

    const vi = await visibleTexts(p);
    expect(vi).toEqual({
      h1: 'Bản sao số Thủ Dầu Một',
      subtitle: 'Mô hình 3D thành phố — dữ liệu ngoại tuyến',
      legend: 'Mục đích sử dụng đất',
      status: expect.stringMatching(/^Sẵn sàng.*công trình đang hiển thị$/),
      documentTitle: 'Bản sao số Thủ Dầu Một',
      htmlLang: 'vi',
      homeTooltip: 'Về góc nhìn ban đầu',
      pressed: 'VI',
    });
    expect(decodeViewState(new URL(p.url()).search).state.lang).toBe('vi');
    // The switch is a touch target of at least 48 × 48 px per button.
    const sizes = await p.$$eval('[data-testid="lang-switch"] button', (bs) =>
      bs.map((b) => b.getBoundingClientRect()).map((r) => [r.width, r.height]),
    );
    for (const [w, h] of sizes) {
      expect(w).toBeGreaterThanOrEqual(48);
      expect(h).toBeGreaterThanOrEqual(48);
    }
    // The UI font is the self-hosted Be Vietnam Pro, loaded with its Vietnamese glyphs.
    expect(await p.evaluate(() => document.fonts.check('600 18px "Be Vietnam Pro"', 'Bản sao số'))).toBe(
      true,
    );
    expect(
      await p.evaluate(() => getComputedStyle(document.querySelector('.title-bar h1')!).fontFamily),
    ).toMatch(/^"Be Vietnam Pro"/);
    await p.screenshot({ path: path.join(OUT, 'i18n-vi.png') });

    await p.evaluate(() => {
      window.__noReload = 1;
      window.__firstCanvas = document.querySelector('.cesium-widget canvas');
    });
    // From the click to the title's new text: React's whole re-render (no reload).
    const switchMs = await p.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const h1 = document.querySelector('.title-bar h1')!;
          const t0 = performance.now();
          const seen = new MutationObserver(() => {
            if (h1.textContent !== 'Thủ Dầu Một Digital Twin') return;
            seen.disconnect();
            resolve(performance.now() - t0);
          });
          seen.observe(h1, { subtree: true, childList: true, characterData: true });
          document
            .querySelector<HTMLButtonElement>('[data-testid="lang-switch"] button[data-lang="en"]')!
            .click();
          setTimeout(() => reject(new Error('the title did not switch within 5 s')), 5_000);
        }),
    );
    console.log(`[i18n e2e] switched to English in ${switchMs.toFixed(0)} ms (React re-render, no reload)`);
    await p.waitForFunction(() => document.documentElement.lang === 'en', null, { timeout: 5_000 });
    const en = await visibleTexts(p);
    expect(en).toEqual({
      h1: 'Thủ Dầu Một Digital Twin',
      subtitle: '3D city model — offline data',
      legend: 'Land use',
      status: expect.stringMatching(/^Ready.*buildings shown$/),
      documentTitle: 'Thủ Dầu Một Digital Twin',
      htmlLang: 'en',
      homeTooltip: 'Back to the initial view',
      pressed: 'EN',
    });
    // Same page, same Cesium canvas: nothing was reloaded or recreated.
    expect(
      await p.evaluate(
        () =>
          window.__noReload === 1 &&
          window.__firstCanvas !== null &&
          window.__firstCanvas === document.querySelector('.cesium-widget canvas'),
      ),
    ).toBe(true);
    // Remembered, and in the URL.
    expect(await p.evaluate(() => localStorage.getItem('bdtwin.lang'))).toBe('en');
    expect(decodeViewState(new URL(p.url()).search).state.lang).toBe('en');

    // The English UI has no Vietnamese left, with the catalogue panel open too.
    await p.screenshot({ path: path.join(OUT, 'i18n-en.png') });
    expect(await vietnameseLeftOvers(p)).toEqual([]);
    await p.click('[data-testid="catalog-open"]');
    await p.waitForSelector('.catalog-panel, [data-testid="catalog-panel"]', { timeout: 10_000 });
    expect(await vietnameseLeftOvers(p)).toEqual([]);
    await p.screenshot({ path: path.join(OUT, 'i18n-en-catalog.png') });
  }, 180_000);

  it('opens a shared link where it says: camera, layers and language', async () => {
    const p = page!;
    // Vietnamese remembered: the link's lang=en must still win.
    await p.evaluate(() => localStorage.setItem('bdtwin.lang', 'vi'));
    const all = await p.evaluate(() =>
      window.__bdtwinCatalog!.layers.map((l) => ({ id: l.id, shown: l.shown })),
    );
    const shownBefore = all.filter((l) => l.shown).map((l) => l.id);
    expect(shownBefore.length).toBeGreaterThan(1);
    // The link shows every layer shown by default but the last one.
    const linkLayers = shownBefore.slice(0, -1);
    const cam = Object.values(LINK_CAMERA).join(',');
    await p.goto(`${server!.url}/?cam=${cam}&layers=${linkLayers.join(',')}&lang=en`, { waitUntil: 'load' });
    // The camera is placed before the first tile: no need to wait for every tile here.
    await waitReady(p, false);
    expect((await visibleTexts(p)).h1).toBe('Thủ Dầu Một Digital Twin');
    expect(await p.evaluate(() => document.documentElement.lang)).toBe('en');
    const landed = await p.evaluate(() => window.__bdtwin!.cameraView());
    console.log(`[i18n e2e] link camera landed ${distanceM(LINK_CAMERA, landed).toFixed(2)} m away`, landed);
    expect(distanceM(LINK_CAMERA, landed)).toBeLessThan(50);
    expect(Math.abs(landed.headingDeg - LINK_CAMERA.headingDeg)).toBeLessThan(0.5);
    expect(Math.abs(landed.pitchDeg - LINK_CAMERA.pitchDeg)).toBeLessThan(0.5);
    const shownNow = await p.evaluate(() =>
      window.__bdtwinCatalog!.layers.filter((l) => l.shown).map((l) => l.id),
    );
    expect(shownNow).toEqual(linkLayers);
    expect(decodeViewState(new URL(p.url()).search).state.layers).toEqual(linkLayers);
    expect(await vietnameseLeftOvers(p)).toEqual([]);
  }, 180_000);

  it('writes the camera into the URL when it moves', async () => {
    const p = page!;
    const before = decodeViewState(new URL(p.url()).search).state.camera;
    await p.evaluate(() =>
      window.__bdtwin!.lookAt({ lon: 106.67, lat: 10.99, range: 1200, heading: 40, pitch: -30 }),
    );
    const moved = Date.now();
    await p.waitForFunction(
      (before) => {
        const cam = new URLSearchParams(location.search).get('cam');
        return cam !== null && cam !== before;
      },
      before ? Object.values(before).join(',') : null,
      // The first frame after the move can take seconds on SwiftShader on a busy machine.
      { timeout: 30_000, polling: 100 },
    );
    console.log(`[i18n e2e] URL followed the camera after ${Date.now() - moved} ms`);
    const inUrl = decodeViewState(new URL(p.url()).search).state.camera!;
    const actual = await p.evaluate(() => window.__bdtwin!.cameraView());
    expect(distanceM(inUrl, actual)).toBeLessThan(2);
    expect(inUrl.headingDeg).toBeCloseTo(40, 0);
    // Other parameters stay.
    expect(decodeViewState(new URL(p.url()).search).state.lang).toBe('en');
  }, 60_000);

  it('stayed on this machine and logged no errors (missing keys included)', () => {
    expect(requests.filter((u) => !isLocal(u))).toEqual([]);
    expect(failures).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
