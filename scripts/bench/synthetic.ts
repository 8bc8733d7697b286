/**
 * Synthetic provinces for benchmarks: the demo city of Thủ Dầu Một (scripts/city, ~47k
 * buildings over ~146 km²) repeated on a grid across Bình Dương province's extent
 * (lon 106.33–107.0, lat 10.88–11.5), ids prefixed by copy, until `count` buildings.
 * Density and footprint shapes stay realistic; only the layout repeats.
 */

import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';

interface Feature {
  type: 'Feature';
  properties: Record<string, unknown> & { id: string };
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
}

/** Reads the demo city's buildings (one feature per line, as the generator writes them). */
async function readCity(file: string): Promise<Feature[]> {
  const features: Feature[] = [];
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    const t = line.trim().replace(/,$/, '');
    if (t.startsWith('{"type":"Feature"')) features.push(JSON.parse(t) as Feature);
  }
  if (features.length === 0) throw new Error(`${file}: no features found (expected one feature per line)`);
  return features;
}

function shift(coords: unknown, dLon: number, dLat: number): unknown {
  if (typeof (coords as number[])[0] === 'number') {
    const [lon, lat] = coords as number[];
    return [Math.round((lon! + dLon) * 1e7) / 1e7, Math.round((lat! + dLat) * 1e7) / 1e7];
  }
  return (coords as unknown[]).map((c) => shift(c, dLon, dLat));
}

/**
 * Writes `count` buildings as GeoJSONSeq (one Feature per line) to `file`, unless it exists.
 * Returns the file path.
 */
export async function writeSyntheticProvince(cityFile: string, count: number, file: string): Promise<string> {
  if (
    await stat(file).then(
      () => true,
      () => false,
    )
  )
    return file;
  await mkdir(path.dirname(file), { recursive: true });
  const city = await readCity(cityFile);
  // Copies 0.16° apart (the city spans ~0.15° × 0.16°), filling the province row by row.
  const cols = 4;
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  let written = 0;
  for (let copy = 0; written < count; copy++) {
    const dLon = (copy % cols) * 0.16 - 0.24;
    const dLat = Math.floor(copy / cols) * 0.16 - 0.08;
    for (const f of city) {
      if (written >= count) break;
      const g = { type: f.geometry.type, coordinates: shift(f.geometry.coordinates, dLon, dLat) };
      const line = `${JSON.stringify({ type: 'Feature', properties: { ...f.properties, id: `P${copy}-${f.properties.id}` }, geometry: g })}\n`;
      if (!out.write(line)) await once(out, 'drain');
      written++;
    }
  }
  out.end();
  await once(out, 'finish');
  await rename(tmp, file);
  return file;
}
