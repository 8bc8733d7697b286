import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TILE_DEFAULTS, tileBuildings } from '../tile.js';
import { type RunningServer, startServer } from './server.js';

const OSM = path.resolve(
  import.meta.dirname,
  '../../../data/osm/osm_hcmc_building_polygons_2023-10-22.geojson',
);

let root: string;
let server: RunningServer;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'bdtwin-serve-'));
  const data = path.join(root, 'data');
  const web = path.join(root, 'web');
  await tileBuildings([OSM], { ...TILE_DEFAULTS, out: path.join(data, 'city') });
  await writeFile(
    path.join(data, 'wards.geojson'),
    JSON.stringify({ type: 'FeatureCollection', features: [] }),
  );
  await mkdir(path.join(web, 'assets'), { recursive: true });
  await writeFile(path.join(web, 'index.html'), '<!doctype html><title>bdtwin</title>');
  await writeFile(path.join(web, 'assets', 'app-abc123.js'), 'console.log(1)'.repeat(200));
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir: data, webDir: web });
});
afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

const get = (p: string, headers: Record<string, string> = {}) => fetch(server.url + p, { headers });

describe('bdtwin serve', () => {
  it('lists discovered layers at /api/layers', async () => {
    const res = await get('/api/layers');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      { id: 'city', kind: 'buildings', title: 'city', url: '/data/city/tileset.json' },
      { id: 'wards', kind: 'boundaries', title: 'wards', url: '/data/wards.geojson' },
    ]);
  });

  it('serves tiles with the glTF MIME type, gzip, CORS and an ETag that revalidates', async () => {
    // The root tile's content, wherever the global quadtree put it.
    const tileset = (await (await get('/data/city/tileset.json')).json()) as {
      root: { content: { uri: string } };
    };
    const glbUrl = `/data/city/${tileset.root.content.uri}`;
    const res = await get(glbUrl, {
      'accept-encoding': 'gzip',
      origin: 'http://example.org',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('model/gltf-binary');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    // Same origin only by default (no CORS allow-list configured): see the CORS test below.
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const etag = res.headers.get('etag');
    expect(etag).toBeTruthy();
    const body = new Uint8Array(await res.arrayBuffer()); // fetch has already gunzipped it
    expect(new TextDecoder().decode(body.subarray(0, 4))).toBe('glTF');
    // What a browser sends when revalidating its cached copy (fetch() alone would add no-cache).
    const again = await get(glbUrl, {
      'if-none-match': etag!,
      'cache-control': 'max-age=0',
    });
    expect(again.status).toBe(304);
  });

  it('serves tileset.json as JSON', async () => {
    const res = await get('/data/city/tileset.json');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as { asset: { version: string } }).asset.version).toBe('1.1');
  });

  it('serves the viewer, caching hashed assets for a year and answering client routes with the app', async () => {
    expect((await get('/')).headers.get('content-type')).toMatch(/text\/html/);
    expect((await get('/assets/app-abc123.js')).headers.get('cache-control')).toMatch(/immutable/);
    const ops = await get('/ops');
    expect(ops.status).toBe(200);
    expect(await ops.text()).toMatch(/<title>bdtwin/);
  });

  it('answers missing data with a JSON 404 and never leaves its folders', async () => {
    const missing = await get('/data/nope.glb');
    expect(missing.status).toBe(404);
    for (const p of [
      '/data/../../package.json',
      '/data/%2e%2e/%2e%2e/package.json',
      '/..%2f..%2fpackage.json',
    ]) {
      const res = await get(p);
      expect(res.status, p).toBeGreaterThanOrEqual(400);
      expect(await res.text()).not.toMatch(/"workspaces"/);
    }
  });
});

describe('bdtwin serve with a layers.json manifest', () => {
  let dir: string;
  let s: RunningServer;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-manifest-'));
    s = await startServer({ port: 0, host: '127.0.0.1', dataDir: dir, webDir: path.join(dir, 'no-web') });
  });
  afterAll(async () => {
    await s?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the manifest, attribution included, with URLs under /data/', async () => {
    const manifest = [
      {
        id: 'stops',
        kind: 'points',
        title: 'Trạm xe buýt',
        path: 'stops.geojson',
        attribution: '© OpenStreetMap contributors (ODbL)',
        en: { title: 'Bus stops' },
      },
    ];
    await writeFile(path.join(dir, 'layers.json'), JSON.stringify(manifest));
    expect(await (await fetch(`${s.url}/api/layers`)).json()).toEqual([
      {
        id: 'stops',
        kind: 'points',
        title: 'Trạm xe buýt',
        url: '/data/stops.geojson',
        attribution: '© OpenStreetMap contributors (ODbL)',
        en: { title: 'Bus stops' },
      },
    ]);
  });

  it('answers a broken manifest with an error naming the file and entry, and keeps serving', async () => {
    await writeFile(
      path.join(dir, 'layers.json'),
      JSON.stringify([{ id: 'x', kind: 'volcano', title: 'x', path: 'x' }]),
    );
    const res = await fetch(`${s.url}/api/layers`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /layers\.json: layer #0 has kind "volcano"/,
    );
    await writeFile(path.join(dir, 'layers.json'), '[]');
    expect((await fetch(`${s.url}/api/layers`)).status).toBe(200);
  });

  it('rejects an English block that is not title/attribution strings', async () => {
    await writeFile(
      path.join(dir, 'layers.json'),
      JSON.stringify([{ id: 'x', kind: 'points', title: 'x', path: 'x', en: { title: 3 } }]),
    );
    const res = await fetch(`${s.url}/api/layers`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /layers\.json: layer #0 en must be an object with string "title" and\/or "attribution"/,
    );
    await writeFile(path.join(dir, 'layers.json'), '[]');
  });
});

describe('security headers', () => {
  it('sends a Content-Security-Policy that keeps everything on this origin, and no HSTS on plain HTTP', async () => {
    const res = await get('/');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(csp).toMatch(/worker-src 'self' blob:/);
    // The self-hosted UI font (Be Vietnam Pro, bundled by Vite) loads from this origin.
    expect(csp).toMatch(/font-src 'self' data:/);
    expect(csp).not.toMatch(/https?:\/\//); // no third-party origin anywhere
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toBeNull();
    // Without a CORS allow-list, other origins may not embed the service's responses either.
    expect((await get('/api/layers')).headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });
});
