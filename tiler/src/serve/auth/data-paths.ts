import path from 'node:path';
import { canSee, type Role, type Visibility } from './roles.js';

/**
 * Who may fetch which file under `/data/`. Tiles are static files, so the service cannot ask a
 * route; instead every layer, catalogue entry and scenario claims the URL space of its files and
 * carries its visibility, and one onRequest hook checks the request path against the claims.
 *
 * - A tree of files — a 3D Tiles `tileset.json`, a terrain `layer.json` or a vector-tile
 *   `tiles.json` (TileJSON) — claims its folder (`/data/a/b/tileset.json` → `/data/a/b/`:
 *   tiles, subtrees, textures); any other layer file
 *   (GeoJSON, metrics, sun hours) claims only itself, so layers sharing a folder keep their own
 *   visibility.
 * - The longest claim wins; claims of equal length that disagree resolve to the strictest.
 * - Index files that list every entry, whatever its visibility (`layers.json`, `catalog.json`,
 *   `scenarios/scenarios.json`), and any file under `scenarios/` no scenario claims, are admin's:
 *   other callers use the filtered `/api/…` lists.
 * - Anything else under `/data/` (e.g. `gtfs/`) is public.
 */

export interface DataClaim {
  /** Decoded URL path: a folder ending in `/`, or one file. */
  path: string;
  visibility: Visibility;
}

export const DATA_PREFIX = '/data/';
/** Folders that hold many entries: a claim for a file directly inside them covers the file only. */
const ROOT_FOLDERS = ['/data/', '/data/scenarios/'];
const INDEX_FILES = new Set(['/data/layers.json', '/data/catalog.json', '/data/scenarios/scenarios.json']);

/** Entry files of a tree of tiles: their whole folder belongs to the layer. */
const TREE_ENTRIES = new Set(['tileset.json', 'layer.json', 'tiles.json']);

/** The claim a layer's URL makes (its folder for a tree of tiles, else the file itself). */
export function claimOf(url: string, visibility: Visibility): DataClaim {
  const decoded = safeDecodePath(url) ?? url;
  const dir = `${path.posix.dirname(decoded)}/`;
  const tree = TREE_ENTRIES.has(path.posix.basename(decoded)) && !ROOT_FOLDERS.includes(dir);
  return tree ? { path: dir, visibility } : { path: decoded, visibility };
}

/**
 * The URL path as the file server will read it: percent-decoded once, backslashes as slashes,
 * `.`/`..` resolved. `undefined` when it is malformed, climbs out of `/data/`, or names a dot
 * file or folder (the file server would refuse those anyway).
 */
export function safeDecodePath(url: string): string | undefined {
  const raw = url.split('?')[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const slashed = decoded.replace(/\\/g, '/');
  if (slashed.split('/').includes('..')) return undefined;
  const normal = path.posix.normalize(slashed);
  if (!normal.startsWith(DATA_PREFIX) && `${normal}/` !== DATA_PREFIX) return undefined;
  if (normal.split('/').some((s) => s.startsWith('.') && s.length > 0)) return undefined;
  return normal;
}

/** The visibility of a decoded `/data/…` path, given the claims. */
export function visibilityOfPath(decoded: string, claims: readonly DataClaim[]): Visibility {
  if (INDEX_FILES.has(decoded)) return 'admin';
  let best: DataClaim[] = [];
  for (const c of claims) {
    const hit = c.path.endsWith('/') ? decoded.startsWith(c.path) : decoded === c.path;
    if (!hit) continue;
    if (best.length === 0 || c.path.length > best[0]!.path.length) best = [c];
    else if (c.path.length === best[0]!.path.length) best.push(c);
  }
  if (best.length === 0) return decoded.startsWith('/data/scenarios/') ? 'admin' : 'public';
  return strictest(best.map((c) => c.visibility));
}

/** Of several visibilities, the one fewest roles can see. */
export function strictest(list: readonly Visibility[]): Visibility {
  const distinct = new Set(list);
  if (distinct.size === 1) return list[0]!;
  distinct.delete('public');
  // Two different non-public visibilities (planner vs operator): only admin sees both.
  return distinct.size === 1 ? [...distinct][0]! : 'admin';
}

/** Whether `role` may fetch the (raw, encoded) URL. */
export function mayFetch(role: Role, url: string, claims: readonly DataClaim[]): boolean {
  const decoded = safeDecodePath(url);
  if (!decoded) return false;
  return canSee(role, visibilityOfPath(decoded, claims));
}
