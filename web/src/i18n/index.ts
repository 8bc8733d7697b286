import i18next, { type i18n as I18n } from 'i18next';
import { patchUrlViewState } from '../state/url';
import { en } from './en';
import { type Catalog, type MessageId, type PluralForms, vi } from './vi';

export type { Catalog, MessageId, PluralForms } from './vi';

/**
 * UI language: Vietnamese by default, English on request. Strings live in the typed catalogs
 * vi.ts / en.ts (a key missing from en.ts is a type error); i18next does the lookup, the
 * fallback and the missing-key reporting, behind the same `t(id, params)` every component
 * already calls.
 *
 * Switching language re-renders React (modes subscribe through `useLang`) and notifies scene
 * code through `onLangChange` (Cesium labels, tooltips), without reloading the page.
 */
export type Lang = 'vi' | 'en';
export const LANGS: readonly Lang[] = ['vi', 'en'];

/**
 * Intl locale per language. English uses en-GB rather than en-US: day/month order
 * ("25/11/2026") and the 24-hour clock match what Vietnamese readers see in vi-VN, so a
 * date reads the same in both languages and no "11/25" vs "25/11" ambiguity arises; numbers are
 * "1,234.5" (English separators).
 */
export const LOCALES: Readonly<Record<Lang, string>> = { vi: 'vi-VN', en: 'en-GB' };

/** localStorage key that remembers the user's choice. */
export const LANG_STORAGE_KEY = 'bdtwin.lang';

/** Missing keys seen so far (outside tests, where they throw); the e2e test reads it. */
export const missingKeys: string[] = [];

const isTest = import.meta.env?.MODE === 'test';

function isLang(v: unknown): v is Lang {
  return v === 'vi' || v === 'en';
}

/** URL `?lang=` first (a shared link wins), then the remembered choice, then Vietnamese. */
function initialLang(): Lang {
  if (typeof window === 'undefined') return 'vi';
  const fromUrl = new URLSearchParams(window.location.search).get('lang');
  if (isLang(fromUrl)) return fromUrl;
  try {
    const stored = window.localStorage.getItem(LANG_STORAGE_KEY);
    if (isLang(stored)) return stored;
  } catch {
    // Storage blocked (private mode, sandboxed iframe): the default will do.
  }
  return 'vi';
}

const resources: Record<Lang, { translation: Catalog & PluralForms }> = {
  vi: { translation: vi },
  en: { translation: en },
};

const i18n: I18n = i18next.createInstance();
void i18n.init({
  lng: initialLang(),
  // No fallback: a key missing in one catalog is a defect to report, not Vietnamese to show
  // in an English UI.
  fallbackLng: false,
  supportedLngs: [...LANGS],
  resources,
  initAsync: false,
  // Keys contain dots ('status.ready') and no namespaces.
  keySeparator: false,
  nsSeparator: false,
  returnNull: false,
  returnEmptyString: false,
  // Our catalogs use {name}; values are text for React or Cesium, never HTML.
  interpolation: { prefix: '{', suffix: '}', escapeValue: false },
  // A placeholder without a value stays visible as "{name}" (a visible defect, not a blank).
  missingInterpolationHandler: (_text, match) => match[0],
  saveMissing: true,
  saveMissingTo: 'current',
  missingKeyHandler: (lngs, _ns, key) => {
    const message = `i18n: missing key "${key}" for ${lngs.join(',')}`;
    if (isTest) throw new Error(message);
    missingKeys.push(key);
    console.error(message);
  },
});

let current: Lang = i18n.language as Lang;
const listeners = new Set<(lang: Lang) => void>();

function applyDocumentLang(lang: Lang): void {
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
}
applyDocumentLang(current);

/** The active language. */
export function getLang(): Lang {
  return current;
}

/** The active Intl locale ('vi-VN' or 'en-GB'). */
export function getLocale(): string {
  return LOCALES[current];
}

/**
 * Switch the UI language now: i18next, `<html lang>`, the remembered choice, the URL's
 * `lang`, then every subscriber (React modes re-render, scene code redraws its labels). No
 * reload.
 */
export function setLang(lang: Lang): void {
  if (!isLang(lang)) throw new Error(`i18n: unknown language ${JSON.stringify(lang)} (vi or en)`);
  if (lang === current) return;
  void i18n.changeLanguage(lang);
  current = lang;
  applyDocumentLang(lang);
  if (typeof window !== 'undefined') {
    try {
      window.localStorage.setItem(LANG_STORAGE_KEY, lang);
    } catch {
      // Not remembered across visits; the switch still works.
    }
    // The address follows, so a link copied now opens in this language.
    patchUrlViewState({ lang });
  }
  for (const f of [...listeners]) f(lang);
}

/** Call `f` after every language switch; returns the unsubscribe function. */
export function onLangChange(f: (lang: Lang) => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

/** Look up a UI string in the active language and fill its `{placeholders}` (numbers in the
 *  active locale). */
export function t(id: MessageId, params?: Record<string, string | number>): string {
  if (!params) return i18n.t(id);
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) values[k] = typeof v === 'number' ? formatNumber(v) : v;
  // A numeric `count` picks the singular `<id>_one` where the language has one ("1 layer").
  const count = params.count;
  const key =
    typeof count === 'number' && pluralRules(getLocale()).select(count) === 'one' && i18n.exists(`${id}_one`)
      ? `${id}_one`
      : id;
  return i18n.t(key, values);
}

const pluralRuleCache = new Map<string, Intl.PluralRules>();
function pluralRules(loc: string): Intl.PluralRules {
  let r = pluralRuleCache.get(loc);
  if (!r) {
    r = new Intl.PluralRules(loc);
    pluralRuleCache.set(loc, r);
  }
  return r;
}

/** True when `id` is a key of the catalogs (for ids built at run time, e.g. from data). */
export function hasMessage(id: string): id is MessageId {
  return Object.hasOwn(vi, id);
}

// ---------------------------------------------------------------- numbers and dates

const formatCache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  let f = formatCache.get(key) as T | undefined;
  if (!f) {
    f = make();
    formatCache.set(key, f);
  }
  return f;
}

/** Numbers in the active locale: 1234.5 → "1.234,5" (vi-VN) or "1,234.5" (en-GB). */
export function formatNumber(value: number, maximumFractionDigits = 1): string {
  const loc = getLocale();
  return cached(
    `n:${loc}:${maximumFractionDigits}`,
    () => new Intl.NumberFormat(loc, { maximumFractionDigits }),
  ).format(value);
}

/**
 * Times are shown in Vietnam's zone (UTC+7, no DST) whatever the browser's zone: a wall display
 * and a laptop on UTC must agree on when the river peaked.
 */
export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

type Instant = number | string | Date;
function toMs(t: Instant): number {
  return t instanceof Date ? t.getTime() : typeof t === 'string' ? Date.parse(t) : t;
}

function formatIn(kind: string, options: Intl.DateTimeFormatOptions, t: Instant): string {
  const ms = toMs(t);
  if (!Number.isFinite(ms)) return String(t);
  const loc = getLocale();
  return cached(
    `d:${kind}:${loc}`,
    () => new Intl.DateTimeFormat(loc, { timeZone: TIME_ZONE, hourCycle: 'h23', ...options }),
  ).format(ms);
}

/** "25/11/2026" in both languages (day first, see LOCALES). */
export function formatDate(t: Instant): string {
  return formatIn('date', { day: '2-digit', month: '2-digit', year: 'numeric' }, t);
}

/** "14:05" (24-hour clock). */
export function formatTime(t: Instant): string {
  return formatIn('time', { hour: '2-digit', minute: '2-digit' }, t);
}

/** "14:05 25/11/2026" (vi-VN) or "25/11/2026, 14:05" (en-GB): each locale's own order. */
export function formatDateTime(t: Instant): string {
  return formatIn(
    'datetime',
    { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' },
    t,
  );
}

/** A `{ vi, en }` text from data (catalogue titles, kiosk captions) in the active language;
 *  Vietnamese where the English is missing or empty. */
export function localText(text: { vi: string; en?: string }): string {
  return (current === 'en' ? text.en : undefined) || text.vi;
}

/** `localText`, or `fallback` when there is no text. */
export function localTextOf(text: { vi: string; en?: string } | undefined, fallback: string): string {
  return text ? localText(text) : fallback;
}

/** Data text with an optional English version (layer titles and attributions from
 *  `/api/layers`): the English in the English UI where there is one, else the Vietnamese. */
export function inLang(vi: string, en: string | undefined): string {
  return current === 'en' && en ? en : vi;
}
