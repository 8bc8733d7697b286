/**
 * `bdtwin serve` with 3D Tiles archives in the data folder: entries answered as the folder form's
 * files are (bytes, types, caching, gzip), misses and escapes answered 404, the `/data/` gate
 * applied to archive entries, and /api/layers listing the archive like a folder.
 */
import { copyFile, link, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TILE_DEFAULTS, tileBuildings } from '../tile.js';
import { acceptsGzip } from './archives.js';
import { type RunningServer, startServer } from './server.js';

const OSM = path.resolve(
  import.meta.dirname,
  '../../../data/osm/osm_hcmc_building_polygons_2023-10-22.geojson',
);

let root: string;
let data: string;
let server: RunningServer;
/** A tile of the tileset, a leaf deep in the tree. */
let glbUri: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'bdtwin-serve-3tz-'));
  data = path.join(root, 'data');
  const web = path.join(root, 'web');
  // `city/` and `city.3tz`, as `bdtwin tile --archive` leaves them; `osm.3tz` alone, as deployed.
  await tileBuildings([OSM], {
    ...TILE_DEFAULTS,
    out: path.join(data, 'city'),
    archive: true,
    partition: { ...TILE_DEFAULTS.partition, maxFeatures: 100 },
  });
  await copyFile(path.join(data, 'city.3tz'), path.join(data, 'osm.3tz'));
  // Outside the data folder: a secret, and an archive a symlink inside points at.
  await writeFile(path.join(root, 'secret.txt'), 'do not serve');
  await copyFile(path.join(data, 'city.3tz'), path.join(root, 'outside.3tz'));
  await symlink(path.join(root, 'outside.3tz'), path.join(data, 'link.3tz'));
  // A folder called *.3tz is still a folder.
  await mkdir(path.join(data, 'folder.3tz'));
  await writeFile(path.join(data, 'folder.3tz', 'note.json'), '{"a":1}');
  await mkdir(web, { recursive: true });
  await writeFile(path.join(web, 'index.html'), '<!doctype html><title>bdtwin</title>');
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir: data, webDir: web });

  const tileset = JSON.parse(await readFile(path.join(data, 'city', 'tileset.json'), 'utf8')) as Tile;
  const leaf = (t: Tile): string => (t.children?.length ? leaf(t.children.at(-1)!) : t.content!.uri);
  glbUri = leaf(tileset.root!);
});
afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

interface Tile {
  root?: Tile;
  content?: { uri: string };
  children?: Tile[];
}

/** A GET by raw path (no URL normalisation, unlike fetch); the body as bytes, not decoded. */
function get(
  rawPath: string,
  headers: Record<string, string> = {},
  base: RunningServer = server,
): Promise<{ status: number; body: Buffer; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: base.port, path: rawPath, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const decoded = (r: { body: Buffer; headers: Record<string, unknown> }) =>
  r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.body) : r.body;

describe('bdtwin serve: 3D Tiles archives', () => {
  it('lists an archive as a buildings layer at <name>.3tz/tileset.json, once when its folder is beside it', async () => {
    const res = await fetch(`${server.url}/api/layers`);
    expect(await res.json()).toEqual([
      { id: 'city', kind: 'buildings', title: 'city', url: '/data/city/tileset.json' },
      { id: 'osm', kind: 'buildings', title: 'osm', url: '/data/osm.3tz/tileset.json' },
    ]);
  });

  it('answers tileset.json and a glb out of the archive with the folder’s bytes, types and caching', async () => {
    for (const [entry, encoding] of [
      ['tileset.json', 'gzip'],
      ['tileset.json', 'identity'],
      [glbUri, 'gzip'],
      [glbUri, 'identity'],
    ] as const) {
      const fromArchive = await get(`/data/osm.3tz/${entry}`, { 'accept-encoding': encoding });
      const fromFolder = await get(`/data/city/${entry}`, { 'accept-encoding': encoding });
      expect(fromArchive.status, entry).toBe(200);
      expect(decoded(fromArchive).equals(await readFile(path.join(data, 'city', entry))), entry).toBe(true);
      expect(decoded(fromArchive).equals(decoded(fromFolder))).toBe(true);
      for (const h of ['content-type', 'cache-control', 'content-encoding', 'cross-origin-resource-policy']) {
        expect(fromArchive.headers[h], `${entry} ${encoding} ${h}`).toEqual(fromFolder.headers[h]);
      }
      expect(fromArchive.headers.etag).toMatch(/^W\/"[0-9a-f]{8}-[0-9a-f]+"$/);
      expect(fromArchive.headers['last-modified']).toBeTruthy();
    }
    const glb = await get(`/data/osm.3tz/${glbUri}`);
    expect(glb.headers['content-type']).toBe('model/gltf-binary');
    expect(glb.body.subarray(0, 4).toString()).toBe('glTF');
  });

  it('revalidates with the ETag (304), which an identical tile keeps in another archive', async () => {
    const first = await get(`/data/osm.3tz/${glbUri}`, { 'accept-encoding': 'gzip' });
    const etag = String(first.headers.etag);
    const again = await get(`/data/osm.3tz/${glbUri}`, { 'if-none-match': etag, 'accept-encoding': 'gzip' });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect((await get(`/data/city.3tz/${glbUri}`)).headers.etag).toBe(etag);
    const other = await get(`/data/osm.3tz/tileset.json`, { 'if-none-match': etag });
    expect(other.status).toBe(200);
  });

  it('answers 404 for a missing entry, the archive file itself, and every way out of the archive', async () => {
    const missingFolderFile = await get('/data/city/tiles/0/0/0.glb');
    expect(missingFolderFile.status).toBe(404);
    for (const p of [
      '/data/osm.3tz/tiles/0/0/0.glb',
      '/data/osm.3tz/build-state.json',
      '/data/osm.3tz',
      '/data/osm.3tz/',
      '/data/osm.3tz/../../secret.txt',
      '/data/osm.3tz/..%2f..%2fsecret.txt',
      '/data/osm.3tz/%2e%2e/%2e%2e/secret.txt',
      '/data/osm.3tz/..%5c..%5csecret.txt',
      '/data/osm.3tz/tiles/../../../secret.txt',
      '/data/link.3tz/tileset.json',
      '/data/link.3tz/../../outside.3tz/tileset.json',
    ]) {
      const res = await get(p);
      expect(res.status, p).toBe(404);
      expect(res.body.toString(), p).not.toContain('do not serve');
      expect(res.body.toString(), p).not.toContain('"asset"');
    }
    // A missing entry answers like a missing file of a folder.
    const missing = await get('/data/osm.3tz/tiles/0/0/0.glb');
    expect(JSON.parse(missing.body.toString())).toEqual({
      error: 'not found',
      path: '/data/osm.3tz/tiles/0/0/0.glb',
    });
    expect(JSON.parse(missingFolderFile.body.toString())).toEqual({
      error: 'not found',
      path: '/data/city/tiles/0/0/0.glb',
    });
  });

  it('answers a broken archive with a 500 naming the file, and keeps serving the others', async () => {
    const bad = path.join(data, 'zz-broken.3tz');
    await writeFile(bad, 'this is not a zip file at all, just text');
    try {
      const res = await get('/data/zz-broken.3tz/tileset.json');
      expect(res.status).toBe(500);
      const body = JSON.parse(res.body.toString()) as { error: string; message: string };
      expect(body.error).toBe('data file problem');
      expect(body.message).toBe('zz-broken.3tz: is not a ZIP file (no end-of-central-directory record)');
      expect(body.message).not.toContain(root);
      expect((await get('/data/osm.3tz/tileset.json')).status).toBe(200);
    } finally {
      await rm(bad);
    }
  });

  it('serves a folder named *.3tz as a folder', async () => {
    const res = await get('/data/folder.3tz/note.json');
    expect(res.status).toBe(200);
    expect(JSON.parse(decoded(res).toString())).toEqual({ a: 1 });
  });

  it('picks up a re-published archive (renamed over the old one) without a restart', async () => {
    const before = await get('/data/osm.3tz/tileset.json');
    const json = JSON.parse(decoded(before).toString()) as { asset: { tilesetVersion: string } };
    // Re-publish: another tiling run's archive renamed over it, as the tiler publishes.
    const next = path.join(root, 'next');
    await tileBuildings([OSM], { ...TILE_DEFAULTS, out: next, archive: true });
    const staged = path.join(data, '.osm.3tz.new');
    await link(`${next}.3tz`, staged);
    await rename(staged, path.join(data, 'osm.3tz'));
    const after = await get('/data/osm.3tz/tileset.json');
    const nextJson = JSON.parse(decoded(after).toString()) as { asset: { tilesetVersion: string } };
    expect(nextJson.asset.tilesetVersion).not.toBe(json.asset.tilesetVersion);
    expect(decoded(after).equals(await readFile(path.join(next, 'tileset.json')))).toBe(true);
  });

  it('keeps a layer’s entries behind the /data/ gate: an operator archive is 404 to the public', async () => {
    const gated = path.join(root, 'gated');
    await mkdir(gated);
    await copyFile(path.join(data, 'city.3tz'), path.join(gated, 'ops.3tz'));
    await writeFile(
      path.join(gated, 'layers.json'),
      JSON.stringify([
        { id: 'ops', kind: 'buildings', title: 'ops', path: 'ops.3tz/tileset.json', visibility: 'operator' },
      ]),
    );
    const web = path.join(root, 'web');
    const publicServer = await startServer({ port: 0, host: '127.0.0.1', dataDir: gated, webDir: web });
    const operatorServer = await startServer({
      port: 0,
      host: '127.0.0.1',
      dataDir: gated,
      webDir: web,
      auth: { anonymousRole: 'operator' },
    });
    try {
      expect(await (await fetch(`${publicServer.url}/api/layers`)).json()).toEqual([]);
      expect((await get('/data/ops.3tz/tileset.json', {}, publicServer)).status).toBe(404);
      expect((await get(`/data/ops.3tz/${glbUri}`, {}, publicServer)).status).toBe(404);
      expect(await (await fetch(`${operatorServer.url}/api/layers`)).json()).toEqual([
        { id: 'ops', kind: 'buildings', title: 'ops', url: '/data/ops.3tz/tileset.json' },
      ]);
      expect((await get(`/data/ops.3tz/${glbUri}`, {}, operatorServer)).status).toBe(200);
    } finally {
      await publicServer.close();
      await operatorServer.close();
    }
  });

  it('reads Accept-Encoding as HTTP means it', () => {
    expect(acceptsGzip('gzip, deflate, br')).toBe(true);
    expect(acceptsGzip('br;q=1, gzip;q=0')).toBe(false);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});
