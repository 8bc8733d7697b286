import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extrudeRings } from '../buildings/extrude.js';
import { NORMALISE_DEFAULTS, normaliseFeature } from '../buildings/normalise.js';
import { repairPolygon } from '../buildings/repair.js';
import { parseCatalog } from '../catalog/schema.js';
import { parseCrs } from '../crs/parse.js';
import { fromWgs84, toWgs84 } from '../crs/transform.js';
import { InputError } from '../errors.js';
import { FeedInputError, jsonDepth, parseJsonBody } from '../feeds/ingest/errors.js';
import { decodeVehiclePositions, encodeVehiclePositions } from '../feeds/ingest/gtfs-rt.js';
import { parseObservation } from '../feeds/ingest/observation.js';
import { parseTrafficFlows } from '../feeds/ingest/traffic.js';
import { areaOutsideM2, differencePolygons, insetPolygons, unionPolygons } from '../planning/clipper.js';
import { polygonsArea } from '../planning/geometry.js';
import { readFootprints } from '../read.js';
import { quantizePositions } from '../tiles/glb.js';

/**
 * Property-based tests (fast-check) for geometry and parsers: generated inputs, valid and
 * hostile, against what must hold for every one of them. Bounded runs (each property a second
 * or two); a failure prints the shrunk counter-example and its seed.
 */

const RUNS = 200;

/** Shoelace area of a flat ring [x0, y0, x1, y1, …] (open or closed), signed: CCW positive. */
function signedArea(flat: ArrayLike<number>): number {
  let a = 0;
  const n = flat.length / 2;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    a += flat[i * 2]! * flat[j * 2 + 1]! - flat[j * 2]! * flat[i * 2 + 1]!;
  }
  return a / 2;
}

/**
 * A star-shaped (hence simple) ring around the origin: sorted angles at least 10° apart, radii
 * 20–60 m. Closer angles or wilder radii make needle-thin spikes, which repair removes by design
 * (docs/repair.md), so they are left to the "never throws" property.
 */
const starRing = fc
  .uniqueArray(
    fc.integer({ min: 0, max: 35 }).map((k) => k * 10),
    { minLength: 3, maxLength: 36 },
  )
  // Every gap under 180°, or the origin falls outside and the "star" can cross itself.
  .filter((degrees) => {
    const d = [...degrees].sort((a, b) => a - b);
    return d.every((x, i) => (i === 0 ? x + 360 - d.at(-1)! : x - d[i - 1]!) < 180);
  })
  .chain((degrees) =>
    fc
      .array(fc.double({ min: 20, max: 60, noNaN: true }), {
        minLength: degrees.length,
        maxLength: degrees.length,
      })
      .map((radii) => {
        const sorted = [...degrees].sort((a, b) => a - b);
        const flat: number[] = [];
        sorted.forEach((d, i) => {
          const a = (d * Math.PI) / 180;
          flat.push(radii[i]! * Math.cos(a), radii[i]! * Math.sin(a));
        });
        return flat;
      }),
  )
  .filter((flat) => Math.abs(signedArea(flat)) > 1);

describe('geometry', () => {
  it('repair never throws; what it returns is valid: CCW shells, CW holes, 3+ vertices, area > 0', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1000, max: 1000, noNaN: true }), { minLength: 0, maxLength: 60 }),
        (coords) => {
          const flat = coords.length % 2 ? coords.slice(1) : coords;
          const result = repairPolygon([flat]);
          if (!result.ok) {
            expect(result.reason.length).toBeGreaterThan(0);
            return;
          }
          for (const polygon of result.polygons) {
            polygon.forEach((ring, r) => {
              expect(ring.length).toBeGreaterThanOrEqual(6);
              const a = signedArea(ring);
              if (r === 0) expect(a).toBeGreaterThan(0);
              else expect(a).toBeLessThan(0);
            });
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("repair keeps a simple polygon: a star-shaped footprint's area within 2 %", () => {
    fc.assert(
      fc.property(starRing, fc.boolean(), (flat, clockwise) => {
        const input = clockwise ? reverseRing(flat) : flat;
        const result = repairPolygon([input]);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        const area = result.polygons.reduce((s, p) => s + p.reduce((t, ring) => t + signedArea(ring), 0), 0);
        const expected = Math.abs(signedArea(flat));
        expect(Math.abs(area - expected)).toBeLessThanOrEqual(expected * 0.02 + 0.01);
      }),
      { numRuns: RUNS },
    );
  });

  it('extrusion: the roof triangles cover the footprint exactly, indices in range, normals unit', () => {
    fc.assert(
      fc.property(starRing, fc.double({ min: 1, max: 300, noNaN: true }), (flat, heightM) => {
        const repaired = repairPolygon([flat]);
        if (!repaired.ok) return;
        for (const polygon of repaired.polygons) {
          const rings = polygon.map((r) => Array.from(r));
          const mesh = extrudeRings(rings, heightM);
          const vertexCount = mesh.positions.length / 3;
          let roof = 0;
          for (let t = 0; t < mesh.indices.length; t += 3) {
            const [a, b, c] = [mesh.indices[t]!, mesh.indices[t + 1]!, mesh.indices[t + 2]!];
            for (const i of [a, b, c]) expect(i).toBeLessThan(vertexCount);
            const p = (i: number) => mesh.positions.slice(i * 3, i * 3 + 3) as number[];
            const [pa, pb, pc] = [p(a), p(b), p(c)];
            // Roof: all three vertices at the top (z = height in this frame, or y for y-up).
            const up = mesh.normals[a * 3 + 2]!;
            if (up > 0.999 && pa[2] === pb[2] && pb[2] === pc[2]) {
              roof += ((pb[0]! - pa[0]!) * (pc[1]! - pa[1]!) - (pc[0]! - pa[0]!) * (pb[1]! - pa[1]!)) / 2;
            }
          }
          for (let i = 0; i < mesh.normals.length; i += 3) {
            expect(Math.hypot(mesh.normals[i]!, mesh.normals[i + 1]!, mesh.normals[i + 2]!)).toBeCloseTo(
              1,
              5,
            );
          }
          const area = polygon.reduce((s, ring) => s + signedArea(ring), 0);
          expect(Math.abs(roof - area)).toBeLessThanOrEqual(1e-6 * area + 1e-6);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('clipping: A ∪ B = A + (B − A), A − B within A, an inset within its polygon (to 1 mm)', () => {
    const shifted = (flat: number[], dx: number, dy: number) => flat.map((v, i) => v + (i % 2 ? dy : dx));
    fc.assert(
      fc.property(
        starRing,
        starRing,
        fc.double({ min: -80, max: 80, noNaN: true }),
        fc.double({ min: -80, max: 80, noNaN: true }),
        fc.double({ min: 0.5, max: 10, noNaN: true }),
        (ra, rb, dx, dy, insetM) => {
          const a = [[ra]];
          const b = [[shifted(rb, dx, dy)]];
          const areaA = polygonsArea(a);
          const areaB = polygonsArea(b);
          const aMinusB = polygonsArea(differencePolygons(a, b));
          const bMinusA = polygonsArea(differencePolygons(b, a));
          const union = polygonsArea(unionPolygons([...a, ...b]));
          // Clipper rounds to millimetres: allow a millimetre along every edge.
          const tol = 0.001 * (ra.length + rb.length) * 60 + 1e-6;
          expect(aMinusB).toBeGreaterThanOrEqual(-tol);
          expect(aMinusB).toBeLessThanOrEqual(areaA + tol);
          expect(Math.abs(areaOutsideM2(a, b) - aMinusB)).toBeLessThanOrEqual(tol);
          expect(Math.abs(union - (areaA + bMinusA))).toBeLessThanOrEqual(tol);
          expect(union).toBeLessThanOrEqual(areaA + areaB + tol);
          expect(union).toBeGreaterThanOrEqual(Math.max(areaA, areaB) - tol);
          const inset = insetPolygons(a, insetM);
          expect(polygonsArea(inset)).toBeLessThanOrEqual(areaA + tol);
          expect(areaOutsideM2(inset, a)).toBeLessThanOrEqual(tol);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('quantization: every decoded position within half a step (≤ 1 cm over a 500 m tile)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -250, max: 250, noNaN: true, noDefaultInfinity: true }), {
          minLength: 3,
          maxLength: 300,
        }),
        (raw) => {
          const positions = Float32Array.from(raw.slice(0, raw.length - (raw.length % 3)));
          const { values, offset, scale } = quantizePositions(positions);
          const step = scale / 32767;
          for (let i = 0; i < positions.length; i++) {
            const decoded = offset[i % 3]! + (values[i]! / 32767) * scale;
            expect(Math.abs(decoded - positions[i]!)).toBeLessThanOrEqual(step / 2 + 1e-9 + scale * 1e-7);
          }
          expect(step / 2).toBeLessThanOrEqual(0.01);
        },
      ),
      { numRuns: RUNS },
    );
  });

  for (const spec of ['vn2000:105.75', 'EPSG:32648', 'vn2000utm:48']) {
    it(`${spec} → WGS 84 → ${spec} round-trips within 1 mm over Bình Dương`, () => {
      const crs = parseCrs(spec);
      const to = toWgs84(crs);
      const from = fromWgs84(crs);
      const [x0, y0] = from(106.65, 11.0);
      fc.assert(
        fc.property(
          fc.double({ min: -60_000, max: 60_000, noNaN: true }),
          fc.double({ min: -60_000, max: 60_000, noNaN: true }),
          (dx, dy) => {
            const [lon, lat] = to(x0 + dx, y0 + dy);
            const [x, y] = from(lon, lat);
            expect(Math.hypot(x - (x0 + dx), y - (y0 + dy))).toBeLessThan(0.001);
          },
        ),
        { numRuns: RUNS },
      );
    });
  }

  it('the normaliser never throws on any JSON: a footprint or a rejection naming the feature', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.jsonValue({ maxDepth: 4 }), (geometry, properties) => {
        const feature = { type: 'Feature', properties, geometry } as Parameters<typeof normaliseFeature>[0];
        const result = normaliseFeature(feature, 'f.geojson', 3, NORMALISE_DEFAULTS);
        if (!result.ok) {
          expect(result.rejection.file).toBe('f.geojson');
          expect(result.rejection.index).toBe(3);
          expect(result.rejection.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

function reverseRing(flat: number[]): number[] {
  const out: number[] = [];
  for (let i = flat.length - 2; i >= 0; i -= 2) out.push(flat[i]!, flat[i + 1]!);
  return out;
}

/** Only our typed error, never a TypeError or RangeError from deep inside. */
function onlyThrows<T>(kind: new (...a: never[]) => Error, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    expect(error, String((error as Error).stack)).toBeInstanceOf(kind);
    return undefined;
  }
}

describe('parsers', () => {
  const observationOptions = {
    datastreamId: 7,
    lookup: (id: number) =>
      id === 7 ? { id: 7, thingId: 1, quantity: 'pm25' as const, factor: 1 } : undefined,
    isMeasurement: () => true,
    nowMs: Date.parse('2026-06-01T00:00:00Z'),
  };

  it('SensorThings observations: FeedInputError or a record with a finite time and result', () => {
    const observation = fc.record(
      {
        result: fc.oneof(fc.double(), fc.string(), fc.jsonValue({ maxDepth: 2 })),
        phenomenonTime: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string(),
          fc.integer(),
        ),
        resultTime: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string(),
        ),
        parameters: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(observation, fc.jsonValue({ maxDepth: 4 })), (body) => {
        const record = onlyThrows(FeedInputError, () => parseObservation(body, observationOptions));
        if (record) {
          expect(Number.isFinite(record.phenomenonTimeMs)).toBe(true);
          if (record.resultNum !== undefined) expect(Number.isFinite(record.resultNum)).toBe(true);
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('JSON bodies: FeedInputError or the value; nesting measured without recursion matches', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json({ maxDepth: 8 })), (text) => {
        onlyThrows(FeedInputError, () => parseJsonBody(text));
      }),
      { numRuns: RUNS * 2 },
    );
    const depthOf = (v: unknown): number =>
      v !== null && typeof v === 'object'
        ? 1 + Math.max(0, ...Object.values(v as Record<string, unknown>).map(depthOf))
        : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 10 }), (value) => {
        expect(jsonDepth(JSON.stringify(value))).toBe(depthOf(value));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('GTFS-realtime: any bytes give FeedInputError or positions in range; encode → decode round-trips', () => {
    const nowMs = Date.parse('2026-06-01T00:00:00Z');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const records = onlyThrows(FeedInputError, () => decodeVehiclePositions(bytes, nowMs));
        for (const r of records ?? []) {
          expect(Math.abs(r.lonDeg)).toBeLessThanOrEqual(180);
          expect(Math.abs(r.latDeg)).toBeLessThanOrEqual(90);
        }
      }),
      { numRuns: RUNS * 2 },
    );
    const vehicle = fc.record({
      vehicleId: fc.string({ minLength: 1, maxLength: 12 }),
      lonDeg: fc.double({ min: 106.5, max: 106.8, noNaN: true }),
      latDeg: fc.double({ min: 10.9, max: 11.2, noNaN: true }),
      timeMs: fc.integer({ min: nowMs - 3_600_000, max: nowMs }).map((t) => Math.floor(t / 1000) * 1000),
    });
    fc.assert(
      fc.property(fc.array(vehicle, { minLength: 1, maxLength: 20 }), (vehicles) => {
        const decoded = decodeVehiclePositions(encodeVehiclePositions(vehicles, nowMs), nowMs);
        expect(decoded.length).toBe(vehicles.length);
        decoded.forEach((d, i) => {
          expect(d.vehicleId).toBe(vehicles[i]!.vehicleId);
          expect(d.timeMs).toBe(vehicles[i]!.timeMs);
          // float32 on the wire (GTFS-rt Position): ~1e-5° ≈ 1 m at worst here.
          expect(Math.abs(d.lonDeg - vehicles[i]!.lonDeg)).toBeLessThan(2e-5);
          expect(Math.abs(d.latDeg - vehicles[i]!.latDeg)).toBeLessThan(2e-5);
        });
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('traffic flows and the catalogue schema: only their typed errors on any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        onlyThrows(FeedInputError, () => parseTrafficFlows(value, Date.now()));
        onlyThrows(InputError, () => parseCatalog(value, 'catalog.json'));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  describe('the GeoJSON stream reader on any JSON document', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-props-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('reads it or throws InputError naming the file', async () => {
      const feature = fc.record({
        type: fc.constantFrom('Feature', 'feature', 'Point'),
        properties: fc.oneof(fc.constant(null), fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }))),
        geometry: fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 5 })),
      });
      const doc = fc.oneof(
        fc.record({ type: fc.constant('FeatureCollection'), features: fc.array(feature, { maxLength: 5 }) }),
        fc.jsonValue({ maxDepth: 5 }),
      );
      let k = 0;
      await fc.assert(
        fc.asyncProperty(doc, fc.boolean(), async (value, cut) => {
          const file = path.join(dir, `doc-${k++}.geojson`);
          const text = JSON.stringify(value) ?? '';
          await writeFile(file, cut ? text.slice(0, Math.floor(text.length / 2)) : text);
          try {
            await readFootprints([file], { normalise: NORMALISE_DEFAULTS });
          } catch (error) {
            expect(error, String((error as Error).stack)).toBeInstanceOf(InputError);
            expect((error as Error).message).toContain(file);
          }
        }),
        { numRuns: RUNS / 2 },
      );
    });
  });
});
