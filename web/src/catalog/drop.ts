import { type MessageId, t } from '../i18n';
import type { Feature, FeatureCollection, Geometry } from '../scene/geojson';
import { CADASTRAL_COLORS, type CatalogLayerInfo, type LayerStyle } from './contracts';

/**
 * A file dropped on the page, read in the browser for a private look (nothing is uploaded):
 * GeoJSON, or a zipped Shapefile (.shp + .dbf, with .prj and .cpg when present). The zip is read
 * with the browser's own DecompressionStream (deflate-raw), the Shapefile by the small reader
 * below (points, lines, polygons; Z and M values dropped). Only WGS 84 longitude/latitude is
 * drawn: projected data (VN-2000, UTM) needs the datum shift `bdtwin add` applies, and the
 * message says so rather than drawing it 200 m or 500 km off.
 */

/** A file that cannot be drawn: the message is a catalog key, so it reads in the UI's language
 *  (`message` is the text at the time it was thrown, for logs and tests). */
export class DropError extends Error {
  constructor(
    readonly id: MessageId,
    readonly params: Record<string, string | number> = {},
  ) {
    super(t(id, params));
  }
  /** The message in the language active now. */
  text(): string {
    return t(this.id, this.params);
  }
}

export interface Dropped {
  name: string;
  collection: FeatureCollection;
  info: Omit<CatalogLayerInfo, 'id'>;
}

// ---- zip -------------------------------------------------------------------------------------

/** Files of a zip archive by (lower-case) name: stored and deflated entries. */
export async function readZip(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // End of central directory: the last 0x06054b50 within the trailing 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65_557); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new DropError('catalog.drop.error.notZip');
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const files = new Map<string, Uint8Array>();
  for (let k = 0; k < count; k++) {
    if (view.getUint32(p, true) !== 0x02014b50) throw new DropError('catalog.drop.error.zipDirectory');
    const method = view.getUint16(p + 10, true);
    const compressed = view.getUint32(p + 20, true);
    const nameLength = view.getUint16(p + 28, true);
    const extra = view.getUint16(p + 30, true);
    const comment = view.getUint16(p + 32, true);
    const local = view.getUint32(p + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength));
    p += 46 + nameLength + extra + comment;
    if (name.endsWith('/')) continue;
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const data = bytes.subarray(start, start + compressed);
    const base = (name.split('/').pop() ?? name).toLowerCase();
    if (method === 0) files.set(base, data);
    else if (method === 8) files.set(base, await inflateRaw(data));
    else throw new DropError('catalog.drop.error.zipMethod', { name, method: String(method) });
  }
  return files;
}

async function inflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// ---- Shapefile -------------------------------------------------------------------------------

type Ring = [number, number][];

function ringArea(ring: Ring): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++)
    a += ring[j]![0] * ring[i]![1] - ring[i]![0] * ring[j]![1];
  return a / 2;
}

function insideRing(ring: Ring, x: number, y: number): boolean {
  let hit = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

/** Shapefile polygon parts → GeoJSON: clockwise rings are outers, counter-clockwise holes. */
function polygonFromParts(parts: Ring[]): Geometry {
  const polys: Ring[][] = [];
  const holes: Ring[] = [];
  for (const r of parts) ringArea(r) <= 0 ? polys.push([r]) : holes.push(r);
  for (const h of holes) {
    const [x, y] = h[0] ?? [0, 0];
    const owner = polys.find((p) => insideRing(p[0]!, x, y));
    if (owner) owner.push(h);
    else polys.push([h.slice().reverse()]);
  }
  // GeoJSON (RFC 7946) winds outers counter-clockwise.
  const oriented = polys.map((p) =>
    p.map((r, k) => (ringArea(r) > 0 === (k === 0) ? r : r.slice().reverse())),
  );
  return oriented.length === 1
    ? { type: 'Polygon', coordinates: oriented[0]! }
    : { type: 'MultiPolygon', coordinates: oriented };
}

export function readShp(shp: Uint8Array): (Geometry | null)[] {
  const view = new DataView(shp.buffer, shp.byteOffset, shp.byteLength);
  if (shp.length < 100 || view.getInt32(0, false) !== 9994)
    throw new DropError('catalog.drop.error.shpSignature');
  const out: (Geometry | null)[] = [];
  let p = 100;
  while (p + 8 <= shp.length) {
    const length = view.getInt32(p + 4, false) * 2;
    const r = p + 8;
    p = r + length;
    const type = view.getInt32(r, true);
    const base = type % 10 === 0 ? type : type > 20 ? type - 20 : type > 10 ? type - 10 : type;
    if (type === 0) {
      out.push(null);
      continue;
    }
    if (base === 1) {
      out.push({ type: 'Point', coordinates: [view.getFloat64(r + 4, true), view.getFloat64(r + 12, true)] });
      continue;
    }
    if (base === 8) {
      const n = view.getInt32(r + 36, true);
      const coordinates: [number, number][] = [];
      for (let k = 0; k < n; k++)
        coordinates.push([view.getFloat64(r + 40 + 16 * k, true), view.getFloat64(r + 48 + 16 * k, true)]);
      out.push({ type: 'MultiPoint', coordinates });
      continue;
    }
    if (base !== 3 && base !== 5) throw new DropError('catalog.drop.error.shpType', { type: String(type) });
    const numParts = view.getInt32(r + 36, true);
    const numPoints = view.getInt32(r + 40, true);
    const pts = r + 44 + 4 * numParts;
    const parts: Ring[] = [];
    for (let k = 0; k < numParts; k++) {
      const from = view.getInt32(r + 44 + 4 * k, true);
      const to = k + 1 < numParts ? view.getInt32(r + 48 + 4 * k, true) : numPoints;
      const ring: Ring = [];
      for (let i = from; i < to; i++)
        ring.push([view.getFloat64(pts + 16 * i, true), view.getFloat64(pts + 8 + 16 * i, true)]);
      parts.push(ring);
    }
    out.push(
      base === 3
        ? parts.length === 1
          ? { type: 'LineString', coordinates: parts[0]! }
          : { type: 'MultiLineString', coordinates: parts }
        : polygonFromParts(parts),
    );
  }
  return out;
}

/** dBASE III records as objects; text decoded with `encoding` (from the .cpg). */
export function readDbf(dbf: Uint8Array, encoding = 'utf-8'): Record<string, unknown>[] {
  const view = new DataView(dbf.buffer, dbf.byteOffset, dbf.byteLength);
  const count = view.getUint32(4, true);
  const headerLength = view.getUint16(8, true);
  const recordLength = view.getUint16(10, true);
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding);
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  const ascii = new TextDecoder('latin1');
  const fields: { name: string; type: string; length: number; decimals: number }[] = [];
  for (let p = 32; p + 32 <= headerLength && dbf[p] !== 0x0d; p += 32) {
    fields.push({
      name: ascii.decode(dbf.subarray(p, p + 11)).replace(/\0.*$/, ''),
      type: String.fromCharCode(dbf[p + 11]!),
      length: dbf[p + 16]!,
      decimals: dbf[p + 17]!,
    });
  }
  const records: Record<string, unknown>[] = [];
  for (let k = 0; k < count; k++) {
    let p = headerLength + k * recordLength + 1;
    const rec: Record<string, unknown> = {};
    for (const f of fields) {
      const raw = decoder.decode(dbf.subarray(p, p + f.length)).trim();
      p += f.length;
      if (f.type === 'N' || f.type === 'F') rec[f.name] = raw === '' ? null : Number(raw);
      else if (f.type === 'L')
        rec[f.name] = /^[YyTt]$/.test(raw) ? true : /^[NnFf]$/.test(raw) ? false : null;
      else rec[f.name] = raw;
    }
    records.push(rec);
  }
  return records;
}

/** `.cpg` text → a TextDecoder label (1258 → windows-1258). */
function encodingOf(cpg: string | undefined): string {
  const t = (cpg ?? '').trim();
  if (!t) return 'utf-8';
  if (/^\d+$/.test(t)) return `windows-${t}`;
  return t.replace(/^CP/i, 'windows-');
}

// ---- checks and the private layer ------------------------------------------------------------

/** Refuses what is not lon/lat degrees, naming the likely reason. */
export function checkLonLat(fc: FeatureCollection, name: string, prj?: string): void {
  if (prj && /^\s*PROJCS|PROJCRS/i.test(prj)) {
    throw new DropError(
      /VN[-_ ]?2000/i.test(prj) ? 'catalog.drop.error.projectedVn2000' : 'catalog.drop.error.projected',
      { name },
    );
  }
  let bad = 0;
  let seen = 0;
  const visit = (c: unknown) => {
    if (!Array.isArray(c) || seen > 500) return;
    if (typeof c[0] === 'number') {
      seen++;
      if (!(Math.abs(c[0]) <= 180 && Math.abs(c[1] as number) <= 90)) bad++;
      return;
    }
    for (const x of c) visit(x);
  };
  for (const f of fc.features) visit((f.geometry as { coordinates?: unknown } | null)?.coordinates);
  if (seen === 0) throw new DropError('catalog.drop.error.noGeometry', { name });
  if (bad > seen / 2) {
    throw new DropError('catalog.drop.error.notLonLat', { name });
  }
}

function asCollection(json: unknown, name: string): FeatureCollection {
  const j = json as { type?: string; features?: unknown; crs?: { properties?: { name?: string } } };
  const crs = j?.crs?.properties?.name;
  if (crs && !/CRS84|4326/.test(crs)) {
    throw new DropError('catalog.drop.error.declaredCrs', { name, crs });
  }
  if (j?.type === 'FeatureCollection' && Array.isArray(j.features)) return json as FeatureCollection;
  if (j?.type === 'Feature') return { type: 'FeatureCollection', features: [json as Feature] };
  if (typeof j?.type === 'string' && 'coordinates' in (j as object)) {
    return {
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: {}, geometry: json as Geometry }],
    };
  }
  throw new DropError('catalog.drop.error.notGeoJson', { name });
}

const LAND_USE_ATTRIBUTES = ['use', 'loai_dat', 'ma_loai_dat', 'mdsd', 'landuse_code', 'kyhieu'];

/** A first style: cadastral colours when an attribute holds land-use codes, else one colour. */
export function privateStyle(fc: FeatureCollection): LayerStyle {
  const props = fc.features[0]?.properties ?? {};
  const key = Object.keys(props).find((k) => LAND_USE_ATTRIBUTES.includes(k.toLowerCase()));
  if (key) {
    const values = [...new Set(fc.features.map((f) => String(f.properties?.[key] ?? '')))].filter((v) =>
      Object.hasOwn(CADASTRAL_COLORS, v),
    );
    if (values.length > 0) {
      return {
        type: 'categorical',
        property: key,
        categories: values
          .sort()
          .slice(0, 12)
          .map((v) => ({ value: v, color: CADASTRAL_COLORS[v]!, label: { vi: v, en: v } })),
        otherColor: '#BDBDBD',
        opacity: 0.65,
      };
    }
  }
  return { type: 'simple', color: '#00E5FF', opacity: 0.5, widthPx: 3 };
}

function kindOf(fc: FeatureCollection): CatalogLayerInfo['kind'] {
  const t = fc.features.find((f) => f.geometry)?.geometry?.type ?? '';
  if (t.includes('Polygon')) return 'polygons';
  if (t.includes('Line')) return 'lines';
  return 'points';
}

export async function parseDroppedFile(name: string, bytes: Uint8Array, today: string): Promise<Dropped> {
  let collection: FeatureCollection;
  let crs = 'WGS 84 (EPSG:4326)';
  const lower = name.toLowerCase();
  if (lower.endsWith('.zip') || (bytes[0] === 0x50 && bytes[1] === 0x4b)) {
    const files = await readZip(bytes);
    const shpName = [...files.keys()].find((k) => k.endsWith('.shp'));
    if (!shpName) throw new DropError('catalog.drop.error.noShp', { name });
    const stem = shpName.slice(0, -4);
    const dbf = files.get(`${stem}.dbf`);
    const prj = files.get(`${stem}.prj`);
    const cpg = files.get(`${stem}.cpg`);
    const prjText = prj ? new TextDecoder().decode(prj) : undefined;
    const geometries = readShp(files.get(shpName)!);
    const records = dbf ? readDbf(dbf, encodingOf(cpg ? new TextDecoder().decode(cpg) : undefined)) : [];
    collection = {
      type: 'FeatureCollection',
      features: geometries.map((geometry, k) => ({
        type: 'Feature',
        properties: records[k] ?? {},
        geometry,
      })),
    };
    checkLonLat(collection, name, prjText);
  } else {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      throw new DropError('catalog.drop.error.badJson', { name, message: (e as Error).message });
    }
    collection = asCollection(json, name);
    checkLonLat(collection, name);
    crs = 'WGS 84 (GeoJSON)';
  }
  const title = name.replace(/\.[^.]+$/, '');
  return {
    name,
    collection,
    info: {
      kind: kindOf(collection),
      title: { vi: title, en: title },
      url: '',
      sector: 'dat-dai',
      // The file's name (data, any language); the panel says "private layer (dropped file…)"
      // and shows 'unknown' as the licence in the UI's language.
      source: name,
      licence: 'unknown',
      crsOfOrigin: crs,
      validFrom: today,
      validTo: null,
      updatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      visibility: 'planner',
      style: privateStyle(collection),
      featureCount: collection.features.length,
      coverageMethod: 'none',
    },
  };
}
