import { describe, expect, it } from 'vitest';
import { type CatalogFile, styleColor, validOn, visibleTo } from '../api/catalog.js';
import { catalogProblems, parseCatalog } from './schema.js';

const layer = (over: Record<string, unknown> = {}) => ({
  id: 'parcels',
  kind: 'polygons',
  title: { vi: 'Thửa đất', en: 'Parcels' },
  sector: 'dat-dai',
  path: 'catalog/parcels.geojson',
  source: 'Sở TN-MT',
  licence: 'CC-BY-4.0',
  crsOfOrigin: 'VN-2000 / TM-3 105°45′',
  validFrom: '2024-01-01',
  validTo: null,
  updatedAt: '2025-11-25T10:00:00Z',
  visibility: 'planner',
  style: { type: 'simple', color: '#FFA0FF' },
  ...over,
});
const catalog = (...layers: unknown[]) => ({ version: 1, layers });

describe('catalogue schema', () => {
  it('accepts a good catalogue', () => {
    expect(catalogProblems(catalog(layer()))).toEqual([]);
  });

  it('names the JSON pointer of each problem', () => {
    const bad = catalog(
      layer(),
      layer({
        id: 'Bad Id',
        sector: 'land',
        validFrom: '1/7/2025',
        colour: 'red',
        style: { type: 'categorical', property: 'use', categories: [], otherColor: 'grey' },
      }),
    );
    const problems = catalogProblems(bad);
    expect(problems).toContain(
      '/layers/1/id: must be lower-case letters, digits and dashes (it names a folder and a URL) (got "Bad Id")',
    );
    expect(problems).toContain(
      '/layers/1/sector: must be one of "dat-dai", "quy-hoach-do-thi", "quy-hoach-xay-dung", "moi-truong", "giao-thong", "ha-tang" (got "land")',
    );
    expect(problems).toContain('/layers/1/validFrom: must be a date YYYY-MM-DD (got "1/7/2025")');
    expect(problems).toContain('/layers/1/colour: is not a catalogue field (misspelt?)');
    expect(problems).toContain('/layers/1/style/otherColor: must be a colour #RRGGBB (got "grey")');
    expect(problems.some((p) => p.startsWith('/layers/1/style/categories:'))).toBe(true);
  });

  it('reports missing fields and a bad validTo once', () => {
    const { licence: _l, ...noLicence } = layer({ validTo: '2025' });
    const problems = catalogProblems(catalog(noLicence));
    expect(problems).toEqual([
      '/layers/0/licence: is required',
      '/layers/0/validTo: must be a date YYYY-MM-DD or null (still valid) (got "2025")',
    ]);
  });

  it('checks what the schema cannot: duplicate ids, date order, paths, units layer', () => {
    const problems = catalogProblems({
      ...catalog(layer(), layer({ validTo: '2020-01-01', path: '../secret.geojson' })),
      units: { layer: 'wards', idProperty: 'id', nameProperty: 'name' },
    });
    expect(problems).toEqual([
      '/layers/1/id: "parcels" is already the id of /layers/0',
      '/layers/1/validTo: 2020-01-01 is before validFrom 2024-01-01',
      '/layers/1/path: must stay inside the data folder (relative, no "..")',
      '/units/layer: no layer has the id "wards"',
    ]);
  });

  it('throws an InputError naming the file', () => {
    expect(() => parseCatalog(catalog(layer({ visibility: 'everyone' })), 'data/catalog.json')).toThrow(
      'data/catalog.json: /layers/0/visibility: must be one of "public", "planner", "operator" (got "everyone")',
    );
    expect(() => parseCatalog({ layers: [] }, 'c.json')).toThrow('c.json: /version: is required');
  });
});

describe('time validity (both ends inclusive)', () => {
  const before = { validFrom: null, validTo: '2025-06-30' };
  const after = { validFrom: '2025-07-01', validTo: null };
  it('switches on 1 July 2025', () => {
    expect(validOn(before, '2025-06-30')).toBe(true);
    expect(validOn(after, '2025-06-30')).toBe(false);
    expect(validOn(before, '2025-07-01')).toBe(false);
    expect(validOn(after, '2025-07-01')).toBe(true);
  });
  it('treats absent ends as open', () => {
    expect(validOn({}, '1990-01-01')).toBe(true);
    expect(validOn({ validFrom: '2020-01-01', validTo: '2020-12-31' }, '2021-01-01')).toBe(false);
  });
});

describe('styles and visibility', () => {
  const cat = {
    type: 'categorical' as const,
    property: 'use',
    categories: [{ value: 'ODT', color: '#FFA0FF', label: { vi: 'Đất ở', en: 'Urban residential' } }],
    otherColor: '#CCCCCC',
  };
  it('colours by category, else the other colour', () => {
    expect(styleColor(cat, { use: 'ODT' })).toBe('#FFA0FF');
    expect(styleColor(cat, { use: 'TMD' })).toBe('#CCCCCC');
    expect(styleColor(cat, null)).toBe('#CCCCCC');
  });
  it('colours by class, values below the first class taking its colour', () => {
    const grad = {
      type: 'graduated' as const,
      property: 'pm25',
      breaks: [
        { min: 0, color: '#00E400' },
        { min: 25, color: '#FFFF00' },
        { min: 50, color: '#FF7E00' },
      ],
    };
    expect(styleColor(grad, { pm25: 24.9 })).toBe('#00E400');
    expect(styleColor(grad, { pm25: 25 })).toBe('#FFFF00');
    expect(styleColor(grad, { pm25: '80' })).toBe('#FF7E00');
    expect(styleColor(grad, { pm25: -3 })).toBe('#00E400');
  });
  it('nests audiences: public ⊂ planner ⊂ operator', () => {
    expect(visibleTo('public', 'public')).toBe(true);
    expect(visibleTo('planner', 'public')).toBe(false);
    expect(visibleTo('planner', 'operator')).toBe(true);
    expect(visibleTo('operator', 'planner')).toBe(false);
  });
  it('types catalogues', () => {
    const c: CatalogFile = { version: 1, layers: [] };
    expect(parseCatalog(c, 'x').layers).toEqual([]);
  });
});
