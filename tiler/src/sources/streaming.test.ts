import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from './index.js';

/**
 * Memory stays bounded by a feature, not by the file: a generated file several times larger
 * than the heap growth allowed is read end to end. Default 32 MB per file (a few seconds; 5–16 MB growth measured at 48 and 200 MB);
 * BDTWIN_BIG_INPUT_MB=1000 tries a province-sized 1 GB file.
 */
const FILE_MB = Number(process.env.BDTWIN_BIG_INPUT_MB ?? 32);
/** Whole-file parsing would need several times FILE_MB; streaming needs a few MB. */
const ALLOWED_HEAP_GROWTH_MB = 24;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-big-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A feature of about 1 KB: a 20-vertex footprint and a few attributes, distinct per index. */
function feature(i: number): string {
  const lon = 106.6 + (i % 1000) * 1e-4;
  const lat = 10.9 + Math.floor(i / 1000) * 1e-5;
  const ring: number[][] = [];
  for (let k = 0; k < 20; k++) {
    const a = (k / 20) * 2 * Math.PI;
    ring.push([+(lon + 4e-5 * Math.cos(a)).toFixed(7), +(lat + 4e-5 * Math.sin(a)).toFixed(7)]);
  }
  ring.push(ring[0]!);
  return JSON.stringify({
    type: 'Feature',
    id: i,
    properties: {
      id: `TDM-${i}`,
      name: `Nhà số ${i}, đường Yersin`,
      height: 3 + (i % 30),
      ward: 'Phú Cường',
    },
    geometry: { type: 'Polygon', coordinates: [ring] },
  });
}

/** Writes features until the file reaches `mb`, honouring back-pressure; returns the count. */
async function generate(file: string, mb: number, seq: boolean): Promise<number> {
  const out = createWriteStream(file);
  const target = mb * 1024 * 1024;
  let bytes = 0;
  let count = 0;
  const write = async (s: string) => {
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  if (!seq) await write('{"type": "FeatureCollection", "name": "generated", "features": [\n');
  while (bytes < target) {
    await write(seq ? `${feature(count)}\n` : `${count > 0 ? ',\n' : ''}${feature(count)}`);
    count++;
  }
  if (!seq) await write('\n]}\n');
  out.end();
  await once(out, 'finish');
  return count;
}

describe.each([
  ['GeoJSON FeatureCollection', 'big.geojson', false],
  ['GeoJSONSeq', 'big.geojsonl', true],
])('%s larger than the allowed heap growth', (_name, fileName, seq) => {
  it(`reads every feature of a ${FILE_MB} MB file with bounded memory`, { timeout: 600_000 }, async () => {
    const file = path.join(dir, fileName);
    const written = await generate(file, FILE_MB, seq);
    expect((await stat(file)).size).toBeGreaterThan(FILE_MB * 1024 * 1024);

    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    let count = 0;
    let last = -1;
    let outOfOrder = 0;
    const source = await openSource(file);
    for await (const f of source.features()) {
      // In order, nothing lost or repeated.
      if (f.id !== last + 1) outOfOrder++;
      last = f.id as number;
      if (++count % 2000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(count).toBe(written);
    expect(outOfOrder).toBe(0);
    const growthMb = (peak - baseline) / 1024 / 1024;
    expect(growthMb).toBeLessThan(ALLOWED_HEAP_GROWTH_MB);
    await rm(file);
  });
});
