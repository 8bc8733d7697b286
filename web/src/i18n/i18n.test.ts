import { afterEach, describe, expect, it } from 'vitest';
import { en } from './en';
import {
  formatDate,
  formatDateTime,
  formatNumber,
  formatTime,
  getLang,
  getLocale,
  type MessageId,
  onLangChange,
  setLang,
  t,
} from './index';
import { VIETNAMESE_ONLY_LETTERS, withoutProperNames } from './properNames';
import { vi } from './vi';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
/** Words of three letters or more once placeholders are gone: two or more make a phrase. */
const words = (s: string) => s.replace(/\{\w+\}/g, ' ').match(/\p{L}{3,}/gu) ?? [];

afterEach(() => setLang('vi'));

describe('catalogs', () => {
  const singulars = Object.keys(en).filter((k) => k.endsWith('_one'));
  const enText = en as Record<string, string>;

  it('vi and en have the same keys (English singulars aside)', () => {
    expect(
      Object.keys(en)
        .filter((k) => !k.endsWith('_one'))
        .sort(),
    ).toEqual(Object.keys(vi).sort());
    expect(singulars.length).toBeGreaterThan(0);
    for (const k of singulars) expect(Object.hasOwn(vi, k.slice(0, -4)), k).toBe(true);
  });

  it('every key has the same placeholders in both languages', () => {
    const mismatched = Object.keys(enText)
      .map((k) => [k, vi[k.replace(/_one$/, '') as MessageId]] as const)
      .filter(([k, v]) => placeholders(v).join() !== placeholders(enText[k]!).join())
      .map(([k, v]) => `${k}: vi {${placeholders(v)}} en {${placeholders(enText[k]!)}}`);
    expect(mismatched).toEqual([]);
  });

  it('no English string is left in Vietnamese (place names aside)', () => {
    const leftOver = Object.entries(en).filter(([, v]) =>
      VIETNAMESE_ONLY_LETTERS.test(withoutProperNames(v)),
    );
    expect(leftOver).toEqual([]);
  });

  it('no Vietnamese phrase is left identical to the English', () => {
    const untranslated = Object.keys(vi)
      .map((k) => k as MessageId)
      .filter((k) => vi[k] === en[k] && words(vi[k]).length >= 2);
    expect(untranslated).toEqual([]);
  });

  it('the check itself catches Vietnamese letters and lets place names through', () => {
    expect(VIETNAMESE_ONLY_LETTERS.test('Đang tải')).toBe(true);
    expect(VIETNAMESE_ONLY_LETTERS.test('Mức độ')).toBe(true);
    expect(VIETNAMESE_ONLY_LETTERS.test(withoutProperNames('Thủ Dầu Một Digital Twin'))).toBe(false);
    expect(VIETNAMESE_ONLY_LETTERS.test('Layer “Roads”: 1,234.5 m² — µg/m³ B − A')).toBe(false);
  });

  it('every Vietnamese string is written with Vietnamese letters where it is a phrase', () => {
    // A phrase of two or more words with no diacritic at all is almost certainly English or
    // unaccented Vietnamese (e.g. "Dang tai") slipped into vi.ts.
    const noDiacritics = Object.entries(vi).filter(
      ([, v]) => words(v).length >= 2 && !/[\u00c0-\u1ef9]/u.test(v),
    );
    expect(noDiacritics).toEqual([]);
  });
});

describe('t()', () => {
  it('speaks Vietnamese by default and English after a switch, without reloading', () => {
    expect(getLang()).toBe('vi');
    expect(t('status.ready')).toBe('Sẵn sàng');
    setLang('en');
    expect(t('status.ready')).toBe('Ready');
    expect(getLocale()).toBe('en-GB');
  });

  it('uses the English singular for a count of one', () => {
    expect(t('catalog.layerCount', { count: 1 })).toBe('1 lớp');
    setLang('en');
    expect(t('catalog.layerCount', { count: 1 })).toBe('1 layer');
    expect(t('catalog.layerCount', { count: 0 })).toBe('0 layers');
    expect(t('catalog.layerCount', { count: 2 })).toBe('2 layers');
    expect(t('status.features', { count: 1234 })).toBe('1,234 buildings shown');
  });

  it('fills placeholders, numbers in the active locale', () => {
    expect(t('status.features', { count: 1234 })).toBe('1.234 công trình đang hiển thị');
    setLang('en');
    expect(t('status.features', { count: 1234 })).toBe('1,234 buildings shown');
    expect(t('status.layerError', { title: 'Đường', message: 'HTTP 404' })).toBe(
      'Could not load layer “Đường”: HTTP 404',
    );
  });

  it('does not escape text (React and Cesium escape it themselves)', () => {
    expect(t('status.layersError', { message: '<b>&</b>' })).toBe(
      'Không tải được danh sách lớp dữ liệu: <b>&</b>',
    );
  });

  it('leaves a placeholder without a value visible', () => {
    expect(t('status.layerError', { title: 'X' })).toBe('Không tải được lớp “X”: {message}');
  });

  it('throws on a missing key in tests', () => {
    expect(() => t('no.such.key' as MessageId)).toThrow(/missing key "no.such.key"/);
  });

  it('tells subscribers about a switch, once per change', () => {
    const seen: string[] = [];
    const off = onLangChange((l) => seen.push(`${l}:${t('status.ready')}`));
    setLang('en');
    setLang('en');
    setLang('vi');
    off();
    setLang('en');
    expect(seen).toEqual(['en:Ready', 'vi:Sẵn sàng']);
  });

  it('rejects an unknown language', () => {
    expect(() => setLang('fr' as 'en')).toThrow(/unknown language "fr"/);
  });
});

describe('numbers and dates follow the language', () => {
  const instant = '2026-11-25T03:05:00Z'; // 10:05 in Vietnam
  it('vi-VN', () => {
    expect(formatNumber(1234.56)).toBe('1.234,6');
    expect(formatNumber(0.125, 2)).toBe('0,13');
    expect(formatDate(instant)).toBe('25/11/2026');
    expect(formatTime(instant)).toBe('10:05');
    expect(formatDateTime(instant)).toBe('10:05 25/11/2026');
  });
  it('en-GB', () => {
    setLang('en');
    expect(formatNumber(1234.56)).toBe('1,234.6');
    expect(formatDate(instant)).toBe('25/11/2026');
    expect(formatTime(Date.parse('2026-11-25T15:00:00Z'))).toBe('22:00');
    expect(formatDateTime(instant)).toBe('25/11/2026, 10:05');
  });
  it('an unreadable instant is shown as it came', () => {
    expect(formatDate('soon')).toBe('soon');
  });
});
