import { describe, expect, it } from 'vitest';
import type { LayerStyle } from './contracts';
import { legendRows, matchesSearch, rgba, tilesetStyleJson } from './style';

const landUse: LayerStyle = {
  type: 'categorical',
  property: 'use',
  categories: [
    { value: 'ODT', color: '#FFA0FF', label: { vi: 'ODT – Đất ở tại đô thị', en: 'ODT' } },
    { value: "O'X", color: '#000010', label: { vi: 'lạ', en: 'odd' } },
  ],
  otherColor: '#BDBDBD',
};

describe('catalogue styles in the viewer', () => {
  it('builds legend rows from the same table as the map', () => {
    expect(legendRows(landUse, 'Thửa', 'Khác')).toEqual([
      { color: '#FFA0FF', label: 'ODT – Đất ở tại đô thị' },
      { color: '#000010', label: 'lạ' },
      { color: '#BDBDBD', label: 'Khác' },
    ]);
    expect(
      legendRows(
        {
          type: 'graduated',
          property: 'pm25',
          unit: 'µg/m³',
          breaks: [
            { min: 0, color: '#00E400' },
            { min: 25, color: '#FFFF00' },
          ],
        },
        'PM2.5',
        'Khác',
      ).map((r) => r.label),
    ).toEqual(['0 – 25 µg/m³', '≥ 25 µg/m³']);
  });

  it('writes 3D Tiles conditions on `use`, quoting values and applying the opacity', () => {
    expect(rgba('#FFA0FF', 0.5)).toBe('rgba(255, 160, 255, 0.5)');
    expect(tilesetStyleJson(landUse, 0.5).color.conditions).toEqual([
      [`\${use} === 'ODT'`, "color('rgba(255, 160, 255, 0.5)')"],
      [`\${use} === 'O\\'X'`, "color('rgba(0, 0, 16, 0.5)')"],
      ['true', "color('rgba(189, 189, 189, 0.5)')"],
    ]);
  });

  it('searches titles without accents', () => {
    const layer = {
      id: 'thua-dat',
      title: { vi: 'Bản đồ địa chính', en: 'Cadastral parcels' },
      source: 'Sở TN-MT',
    };
    expect(matchesSearch(layer, 'dia chinh')).toBe(true);
    expect(matchesSearch(layer, 'ĐỊA')).toBe(true);
    expect(matchesSearch(layer, 'cadastral')).toBe(true);
    expect(matchesSearch(layer, 'giao thông')).toBe(false);
  });
});

describe('dates typed in Vietnamese order', () => {
  it('parses dd/mm/yyyy and rejects days that do not exist', async () => {
    const { parseDay, formatDay } = await import('./format');
    expect(parseDay('30/06/2025')).toBe('2025-06-30');
    expect(parseDay('1-7-2025')).toBe('2025-07-01');
    expect(parseDay('2025-07-01')).toBe('2025-07-01');
    expect(parseDay('31/06/2025')).toBeUndefined();
    expect(parseDay('06/30/2025')).toBeUndefined();
    expect(formatDay('2025-07-01')).toBe('01/07/2025');
  });
});
