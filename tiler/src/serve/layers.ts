import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LayerInfo, LayerKind, LayerManifestEntry } from '../api/layers.js';
import { InputError } from '../errors.js';
import { VISIBILITIES, type Visibility } from './auth/roles.js';

/**
 * The layers a data folder offers: from its `layers.json` manifest when present, otherwise
 * discovered (a subfolder with `tileset.json` is a buildings layer, one with `layer.json` is
 * terrain, a `*.geojson` file is a vector layer, a `*.3tz` 3D Tiles archive is a buildings layer
 * at `<name>.3tz/tileset.json`, served by serve/archives.ts). In a manifest an archive layer's
 * path is `<name>.3tz/tileset.json` too.
 */

const KINDS: readonly LayerKind[] = ['buildings', 'terrain', 'boundaries', 'roads', 'points'];

export const DATA_URL_PREFIX = '/data/';

function toUrl(relative: string): string {
  return DATA_URL_PREFIX + relative.split(path.sep).map(encodeURIComponent).join('/');
}

export function validateManifest(json: unknown, file: string): LayerManifestEntry[] {
  if (!Array.isArray(json)) throw new InputError(file, 'must be a JSON array of layers');
  return json.map((entry, i) => {
    const e = entry as Partial<LayerManifestEntry>;
    const where = `layer #${i}`;
    for (const key of ['id', 'title', 'path'] as const) {
      if (typeof e[key] !== 'string' || e[key] === '')
        throw new InputError(file, `${where} needs a string "${key}"`);
    }
    if (!KINDS.includes(e.kind as LayerKind)) {
      throw new InputError(
        file,
        `${where} has kind ${JSON.stringify(e.kind)}; expected one of ${KINDS.join(', ')}`,
      );
    }
    if (e.visibility !== undefined && !VISIBILITIES.includes(e.visibility)) {
      throw new InputError(
        file,
        `${where} has visibility ${JSON.stringify(e.visibility)}; expected one of ${VISIBILITIES.join(', ')}`,
      );
    }
    if (e.attribution !== undefined && typeof e.attribution !== 'string') {
      throw new InputError(file, `${where} attribution must be a string`);
    }
    if (
      e.en !== undefined &&
      (typeof e.en !== 'object' ||
        e.en === null ||
        Object.entries(e.en).some(([k, v]) => !['title', 'attribution'].includes(k) || typeof v !== 'string'))
    ) {
      throw new InputError(file, `${where} en must be an object with string "title" and/or "attribution"`);
    }
    if (path.isAbsolute(e.path!) || e.path!.split(/[\\/]/).includes('..')) {
      throw new InputError(file, `${where} path must stay inside the data folder`);
    }
    return e as LayerManifestEntry;
  });
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

function guessVectorKind(name: string): LayerKind {
  if (/ward|boundar|admin|phuong/i.test(name)) return 'boundaries';
  if (/road|street|duong/i.test(name)) return 'roads';
  return 'points';
}

/** A layer as listed, with the visibility the service enforces (`public` unless the manifest says). */
export type VisibleLayer = LayerInfo & { visibility: Visibility };

/** The layers without their visibility (what `/api/layers` answers, once filtered by role). */
export async function discoverLayers(dataDir: string): Promise<LayerInfo[]> {
  return (await discoverLayersWithVisibility(dataDir)).map(({ visibility: _v, ...layer }) => layer);
}

export async function discoverLayersWithVisibility(dataDir: string): Promise<VisibleLayer[]> {
  const manifest = path.join(dataDir, 'layers.json');
  if (await exists(manifest)) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(manifest, 'utf8'));
    } catch (error) {
      throw new InputError(manifest, `is not valid JSON (${(error as Error).message})`);
    }
    return validateManifest(json, manifest).map(
      ({ id, kind, title, path: p, attribution, en, visibility }) => ({
        id,
        kind,
        title,
        url: toUrl(p),
        ...(attribution ? { attribution } : {}),
        ...(en ? { en } : {}),
        visibility: visibility ?? 'public',
      }),
    );
  }
  if (!(await exists(dataDir))) return [];
  const layers: VisibleLayer[] = [];
  for (const entry of (await readdir(dataDir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.isDirectory()) {
      if (await exists(path.join(dataDir, entry.name, 'tileset.json'))) {
        layers.push({
          id: entry.name,
          kind: 'buildings',
          title: entry.name,
          url: toUrl(`${entry.name}/tileset.json`),
          visibility: 'public',
        });
      } else if (await exists(path.join(dataDir, entry.name, 'layer.json'))) {
        layers.push({
          id: entry.name,
          kind: 'terrain',
          title: entry.name,
          url: toUrl(`${entry.name}/layer.json`),
          visibility: 'public',
        });
      }
    } else if (entry.name.endsWith('.geojson')) {
      const id = entry.name.replace(/\.geojson$/, '');
      layers.push({ id, kind: guessVectorKind(id), title: id, url: toUrl(entry.name), visibility: 'public' });
    } else if (/\.3tz$/i.test(entry.name) && !entry.name.startsWith('.') && entry.isFile()) {
      const id = entry.name.replace(/\.3tz$/i, '');
      // `bdtwin tile --archive` leaves the folder beside its archive: the same tileset, listed
      // once, as the folder (never older than its archive).
      if (await exists(path.join(dataDir, id, 'tileset.json'))) continue;
      layers.push({
        id,
        kind: 'buildings',
        title: id,
        url: toUrl(`${entry.name}/tileset.json`),
        visibility: 'public',
      });
    }
  }
  return layers;
}
