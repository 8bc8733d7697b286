import { describe, expect, it } from 'vitest';
import { claimOf, mayFetch, safeDecodePath, strictest, visibilityOfPath } from './data-paths.js';

describe('safeDecodePath', () => {
  it('decodes once, turns backslashes into slashes, and refuses anything that climbs out', () => {
    expect(safeDecodePath('/data/a%20b/c.glb?x=1')).toBe('/data/a b/c.glb');
    expect(safeDecodePath('/data//a/./b')).toBe('/data/a/b');
    for (const bad of [
      '/data/../x',
      '/data/%2e%2e/x',
      '/data/a/..%2f..%2fx',
      '/data/a%5c..%5c..%5cx',
      '/data/%00',
      '/data/%E0%A4%A',
      '/data/.git/config',
      '/etc/passwd',
    ]) {
      expect(safeDecodePath(bad), bad).toBeUndefined();
    }
    // Double encoding reaches the file server as a literal name, not as "..".
    expect(safeDecodePath('/data/%252e%252e/x')).toBe('/data/%2e%2e/x');
  });
});

describe('claims', () => {
  const claims = [
    claimOf('/data/buildings/tileset.json', 'public'),
    claimOf('/data/catalog/zoning.geojson', 'planner'),
    claimOf('/data/catalog/stops.geojson', 'operator'),
    claimOf('/data/catalog/thua-dat/tileset.json', 'operator'),
    claimOf('/data/incidents.geojson', 'operator'),
    claimOf('/data/catalog/thua-dat-mvt/tiles.json', 'planner'),
  ];

  it('gives a tileset its folder and any other file only itself', () => {
    expect(claims.map((c) => c.path)).toEqual([
      '/data/buildings/',
      '/data/catalog/zoning.geojson',
      '/data/catalog/stops.geojson',
      '/data/catalog/thua-dat/',
      '/data/incidents.geojson',
      '/data/catalog/thua-dat-mvt/',
    ]);
    expect(visibilityOfPath('/data/buildings/tiles/3/1.glb', claims)).toBe('public');
    expect(visibilityOfPath('/data/catalog/thua-dat/0/0.glb', claims)).toBe('operator');
    expect(visibilityOfPath('/data/catalog/other.geojson', claims)).toBe('public');
    // Vector tiles: the TileJSON claims its folder, so a planner layer's .pbf tiles are not public.
    expect(visibilityOfPath('/data/catalog/thua-dat-mvt/16/52345/30712.pbf', claims)).toBe('planner');
    expect(visibilityOfPath('/data/scenarios/x/notes.txt', claims)).toBe('admin');
    expect(visibilityOfPath('/data/layers.json', claims)).toBe('admin');
  });

  it('resolves equal claims to the strictest', () => {
    expect(strictest(['public', 'operator'])).toBe('operator');
    expect(strictest(['planner', 'operator'])).toBe('admin');
    expect(strictest(['public'])).toBe('public');
  });

  it('lets a role fetch by any spelling only what it may see', () => {
    expect(mayFetch('public', '/data/buildings/0.glb', claims)).toBe(true);
    expect(mayFetch('public', '/data/incidents.geojson', claims)).toBe(false);
    expect(mayFetch('public', '/data/buildings/%2e%2e/incidents.geojson', claims)).toBe(false);
    expect(mayFetch('operator', '/data/incidents.geojson', claims)).toBe(true);
    expect(mayFetch('planner', '/data/catalog/stops.geojson', claims)).toBe(false);
  });
});
