/**
 * What a user of the demo city sees: a reproducible city whose buildings stand inside their wards,
 * off the streets and apart from each other, with a connected street network and the real
 * landmarks beside their bus stops. Geometry checks here use their own metric conversion and
 * polygon tests rather than the generator's OBB code, so a bug there cannot hide itself.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type BuildingProperties,
  featureCollectionText,
  GENERATE_CITY_DEFAULTS,
  type GeneratedCity,
  generateCity,
} from './generate.js';
import { type CityInputs, loadCityInputs, type Position } from './inputs.js';
import { LANDMARKS } from './landmarks.js';
import { roadHalfWidthM } from './roads.js';

const DATA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data');
const SEED = GENERATE_CITY_DEFAULTS.seed;

// Independent local metres: a plain equirectangular conversion at 11° N.
const M_PER_DEG_LAT = 110_574;
const M_PER_DEG_LON = 111_320 * Math.cos((11 * Math.PI) / 180);
type P = [number, number];
const toM = ([lon, lat]: Position): P => [(lon - 106.66) * M_PER_DEG_LON, (lat - 11) * M_PER_DEG_LAT];

function inRing([x, y]: P, ring: readonly P[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
const inPolygon = (p: P, rings: readonly P[][]) =>
  rings.reduce((acc, r) => (inRing(p, r) ? !acc : acc), false);

function pointSegDist([px, py]: P, [ax, ay]: P, [bx, by]: P): number {
  const dx = bx - ax;
  const dy = by - ay;
  const l2 = dx * dx + dy * dy;
  const t = l2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / l2));
  return Math.hypot(ax + t * dx - px, ay + t * dy - py);
}
/** Crossing parameters of two segments, or null when parallel. */
function cross(a: P, b: P, c: P, d: P): { t: number; u: number } | null {
  const rx = b[0] - a[0];
  const ry = b[1] - a[1];
  const sx = d[0] - c[0];
  const sy = d[1] - c[1];
  const den = rx * sy - ry * sx;
  if (Math.abs(den) < 1e-9 * Math.hypot(rx, ry) * Math.hypot(sx, sy)) return null;
  const qx = c[0] - a[0];
  const qy = c[1] - a[1];
  return { t: (qx * sy - qy * sx) / den, u: (qx * ry - qy * rx) / den };
}
function segSegDist(a: P, b: P, c: P, d: P): number {
  const h = cross(a, b, c, d);
  if (h && h.t >= 0 && h.t <= 1 && h.u >= 0 && h.u <= 1) return 0;
  return Math.min(pointSegDist(a, c, d), pointSegDist(b, c, d), pointSegDist(c, a, b), pointSegDist(d, a, b));
}
const edgesOf = (rings: readonly P[][]) =>
  rings.flatMap((r) => r.slice(1).map((q, i) => [r[i]!, q] as [P, P]));

interface Shape {
  props: BuildingProperties;
  /** Polygons, each [outer, ...holes], closed rings in metres. */
  polygons: P[][][];
  box: [number, number, number, number];
}

/** Uniform grid over bounding boxes, for pair searches. */
function grid<T>(items: readonly T[], boxOf: (t: T) => readonly number[], cellM: number) {
  const cells = new Map<string, number[]>();
  items.forEach((it, i) => {
    const [x0, y0, x1, y1] = boxOf(it) as [number, number, number, number];
    for (let x = Math.floor(x0 / cellM); x <= Math.floor(x1 / cellM); x++) {
      for (let y = Math.floor(y0 / cellM); y <= Math.floor(y1 / cellM); y++) {
        const k = `${x},${y}`;
        const list = cells.get(k);
        if (list) list.push(i);
        else cells.set(k, [i]);
      }
    }
  });
  return (x0: number, y0: number, x1: number, y1: number): Set<number> => {
    const out = new Set<number>();
    for (let x = Math.floor(x0 / cellM); x <= Math.floor(x1 / cellM); x++) {
      for (let y = Math.floor(y0 / cellM); y <= Math.floor(y1 / cellM); y++) {
        for (const i of cells.get(`${x},${y}`) ?? []) out.add(i);
      }
    }
    return out;
  };
}

let inputs: CityInputs;
let city: GeneratedCity;
let shapes: Shape[];

beforeAll(() => {
  inputs = loadCityInputs(DATA_DIR);
  city = generateCity({ seed: SEED, inputs });
  shapes = city.buildings.features.map((f) => {
    const g = f.geometry;
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    const polygons = polys.map((rings) => rings.map((r) => r.map(toM)));
    const pts = polygons.flat(2);
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    return {
      props: f.properties,
      polygons,
      box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
    };
  });
}, 60_000);

describe('determinism', () => {
  it('gives byte-identical files for the same seed and a different city for another seed', () => {
    const again = generateCity({ seed: SEED, inputs });
    expect(featureCollectionText(again.buildings)).toBe(featureCollectionText(city.buildings));
    expect(featureCollectionText(again.roads)).toBe(featureCollectionText(city.roads));
    const other = generateCity({ seed: SEED + 1, inputs });
    expect(featureCollectionText(other.buildings)).not.toBe(featureCollectionText(city.buildings));
    expect(featureCollectionText(other.roads)).not.toBe(featureCollectionText(city.roads));
    expect(other.buildings.generator).toEqual({ seed: SEED + 1, version: city.buildings.generator.version });
  }, 60_000);
});

describe('buildings', () => {
  it('number 35,000–50,000, with the dense wards far denser than Phú An', () => {
    const n = city.buildings.features.length;
    expect(n).toBeGreaterThanOrEqual(35_000);
    expect(n).toBeLessThanOrEqual(50_000);
    const perKm2: Record<string, number> = {};
    for (const w of inputs.wards.features) {
      const count = shapes.filter((s) => s.props.ward === w.properties.name).length;
      expect(count, w.properties.name).toBeGreaterThan(2_500);
      perKm2[w.properties.name] = count / w.properties.area_km2;
    }
    for (const dense of ['Thủ Dầu Một', 'Phú Lợi'])
      expect(perKm2[dense]).toBeGreaterThan(3 * perKm2['Phú An']!);
    expect(perKm2['Chánh Hiệp']).toBeGreaterThan(perKm2['Phú An']!);
  });

  it('carry complete properties with valid cadastral use codes', () => {
    const codes = new Set(inputs.landUseCodes);
    const wards = new Set(inputs.wards.features.map((w) => w.properties.name));
    const forms = new Set(['shophouse', 'villa', 'tower', 'factory', 'public', 'landmark']);
    const ids = new Set<string>();
    const problems: string[] = [];
    let houses = 0;
    let housesWithoutHeight = 0;
    for (const { props: p } of shapes) {
      ids.add(p.id);
      const named = p.form === 'landmark' || p.form === 'public';
      const house = p.form === 'shophouse' || p.form === 'villa';
      if (house) {
        houses++;
        if (p.height === undefined) housesWithoutHeight++;
      }
      const ok =
        /^TDM-\d{6}$/.test(p.id) &&
        Number.isInteger(p.storeys) &&
        p.storeys >= 1 &&
        codes.has(p.use) &&
        wards.has(p.ward) &&
        forms.has(p.form) &&
        (p.height === undefined ? house : p.height > 2 && Math.round(p.height * 10) / 10 === p.height) &&
        (typeof p.name === 'string' && p.name.length > 0) === named;
      if (!ok) problems.push(JSON.stringify(p));
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(ids.size).toBe(shapes.length);
    // ~10 % of ordinary houses give storeys only, for the tiler to derive the height.
    expect(housesWithoutHeight / houses).toBeGreaterThan(0.07);
    expect(housesWithoutHeight / houses).toBeLessThan(0.13);
  });

  it('have RFC 7946 rings: closed, outer counter-clockwise, holes clockwise, 7 decimals', () => {
    let holes = 0;
    let multi = 0;
    const problems: string[] = [];
    for (const f of city.buildings.features) {
      const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
      if (f.geometry.type === 'MultiPolygon') multi++;
      for (const rings of polys) {
        rings.forEach((ring, i) => {
          const first = ring[0]!;
          const last = ring[ring.length - 1]!;
          let area = 0;
          for (let k = 0; k + 1 < ring.length; k++) {
            area += ring[k]![0] * ring[k + 1]![1] - ring[k + 1]![0] * ring[k]![1];
          }
          const rounded = ring.every(
            ([lon, lat]) => Math.round(lon * 1e7) / 1e7 === lon && Math.round(lat * 1e7) / 1e7 === lat,
          );
          if (
            ring.length < 4 ||
            first[0] !== last[0] ||
            first[1] !== last[1] ||
            area > 0 !== (i === 0) ||
            !rounded
          ) {
            problems.push(`${f.properties.id} ring ${i}`);
          }
          if (i > 0) holes++;
        });
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(holes).toBeGreaterThan(10);
    expect(multi).toBeGreaterThan(0);
  });

  it('never overlap each other (shared walls allowed)', () => {
    const near = grid(shapes, (s) => s.box, 100);
    // Output coordinates are rounded to ~1 cm, so contact closer than this is a shared wall.
    const tolM = 0.05;
    const overlaps: string[] = [];
    // Probe points: rectangle corners pulled 7 cm into the rectangle (they must not be inside
    // another building, which catches even aligned neighbours overlapping by a few cm); for other
    // shapes, the vertices themselves, required to be more than tolM inside.
    const probesOf = (polygon: P[][]): { points: P[]; margin: number } => {
      const r = polygon[0]!;
      if (polygon.length === 1 && r.length === 5) {
        const c: P = [(r[0]![0] + r[2]![0]) / 2, (r[0]![1] + r[2]![1]) / 2];
        const points = r.slice(0, 4).map((p): P => {
          const d = Math.hypot(c[0] - p[0], c[1] - p[1]);
          return [p[0] + ((c[0] - p[0]) * 0.07) / d, p[1] + ((c[1] - p[1]) * 0.07) / d];
        });
        return { points: [...points, c], margin: 0 };
      }
      return { points: polygon.flat(), margin: tolM };
    };
    const inside = (p: P, polygon: P[][], margin: number) =>
      inPolygon(p, polygon) &&
      (margin === 0 || edgesOf(polygon).every(([a, b]) => pointSegDist(p, a, b) > margin));
    const probes = shapes.map((s) => s.polygons.map(probesOf));
    shapes.forEach((a, i) => {
      for (const j of near(...a.box)) {
        if (j <= i) continue;
        const b = shapes[j]!;
        if (a.box[0] > b.box[2] - tolM || b.box[0] > a.box[2] - tolM) continue;
        if (a.box[1] > b.box[3] - tolM || b.box[1] > a.box[3] - tolM) continue;
        let bad = false;
        a.polygons.forEach((pa, ia) => {
          b.polygons.forEach((pb, ib) => {
            const qa = probes[i]![ia]!;
            const qb = probes[j]![ib]!;
            bad ||= qa.points.some((p) => inside(p, pb, qa.margin));
            bad ||= qb.points.some((p) => inside(p, pa, qb.margin));
            // Edges crossing at a clear angle, away from their ends.
            for (const [p, q] of edgesOf(pa)) {
              if (bad) return;
              const la = Math.hypot(q[0] - p[0], q[1] - p[1]);
              for (const [r, s] of edgesOf(pb)) {
                const lb = Math.hypot(s[0] - r[0], s[1] - r[1]);
                const h = cross(p, q, r, s);
                if (!h) continue;
                const sin =
                  Math.abs((q[0] - p[0]) * (s[1] - r[1]) - (q[1] - p[1]) * (s[0] - r[0])) / (la * lb);
                if (sin < 0.05) continue;
                if (h.t > tolM / la && h.t < 1 - tolM / la && h.u > tolM / lb && h.u < 1 - tolM / lb) {
                  bad = true;
                  return;
                }
              }
            }
          });
        });
        if (bad) overlaps.push(`${a.props.id} × ${b.props.id}`);
      }
    });
    expect(overlaps.slice(0, 10)).toEqual([]);
  }, 60_000);

  it('stand inside their ward', () => {
    const rings = new Map(
      inputs.wards.features.map((w) => {
        const g = w.geometry;
        const outer = g.type === 'Polygon' ? g.coordinates[0]! : g.coordinates[0]![0]!;
        return [w.properties.name, outer.map(toM)];
      }),
    );
    const outside = shapes.filter((s) => {
      const ring = rings.get(s.props.ward)!;
      return !s.polygons.flat(2).every((p) => inRing(p, ring));
    });
    expect(outside.map((s) => s.props.id).slice(0, 10)).toEqual([]);
  });

  it('keep off the street corridors (carriageway plus sidewalks)', () => {
    const segs = city.roads.features.flatMap((f) => {
      const hw = roadHalfWidthM(f.properties.class, f.properties.lanes);
      const pts = f.geometry.coordinates.map(toM);
      return pts.slice(1).map((b, i) => ({ a: pts[i]!, b, hw, id: f.properties.id }));
    });
    const near = grid(
      segs,
      (s) => [
        Math.min(s.a[0], s.b[0]),
        Math.min(s.a[1], s.b[1]),
        Math.max(s.a[0], s.b[0]),
        Math.max(s.a[1], s.b[1]),
      ],
      100,
    );
    const onRoad: string[] = [];
    for (const s of shapes) {
      const [x0, y0, x1, y1] = s.box;
      for (const k of near(x0 - 30, y0 - 30, x1 + 30, y1 + 30)) {
        const seg = segs[k]!;
        for (const polygon of s.polygons) {
          const inside = inPolygon(seg.a, polygon) || inPolygon(seg.b, polygon);
          const d = inside
            ? 0
            : Math.min(...edgesOf(polygon).map(([p, q]) => segSegDist(seg.a, seg.b, p, q)));
          if (d < seg.hw - 0.05) onRoad.push(`${s.props.id} on ${seg.id} (${d.toFixed(2)} < ${seg.hw})`);
        }
      }
    }
    expect(onRoad.slice(0, 10)).toEqual([]);
  }, 60_000);

  it('follow the urban forms: tube-house sizes, tower and factory heights', () => {
    const forms = new Map<string, number>();
    const problems: string[] = [];
    for (const s of shapes) {
      const p = s.props;
      forms.set(p.form, (forms.get(p.form) ?? 0) + 1);
      if (p.form === 'shophouse') {
        const ring = s.polygons[0]![0]!;
        const sides = [0, 1].map((k) =>
          Math.hypot(ring[k + 1]![0] - ring[k]![0], ring[k + 1]![1] - ring[k]![1]),
        );
        const [w, d] = [Math.min(...sides), Math.max(...sides)];
        const ok = ring.length === 5 && w >= 3.95 && w <= 6.05 && d >= 14.95 && d <= 25.05 && p.storeys <= 5;
        if (!ok) problems.push(`${p.id} ${w.toFixed(2)} × ${d.toFixed(2)} m, ${p.storeys} storeys`);
      }
      if (p.form === 'factory') {
        const ok =
          p.storeys === 1 && p.height! >= 8 && p.height! <= 15 && (p.use === 'SKK' || p.use === 'SKC');
        if (!ok) problems.push(JSON.stringify(p));
      }
      if (p.form === 'tower' && p.storeys >= 15 && (p.storeys > 30 || p.ward !== 'Bình Dương')) {
        problems.push(JSON.stringify(p));
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(forms.get('shophouse')).toBeGreaterThan(20_000);
    expect(forms.get('villa')).toBeGreaterThan(1_000);
    expect(forms.get('tower')).toBeGreaterThan(50);
    expect(forms.get('factory')).toBeGreaterThan(200);
    expect(forms.get('public')).toBeGreaterThan(50);
  });
});

describe('landmarks', () => {
  it('stand beside (10–150 m from) the bus stops named after them, with their names', () => {
    const stops = inputs.busStops.features.map((f) => ({
      name: f.properties.name,
      at: toM(f.geometry.coordinates),
    }));
    for (const spec of LANDMARKS) {
      const found = shapes.filter((s) => s.props.form === 'landmark' && s.props.name === spec.name);
      expect(found.length, spec.name).toBeGreaterThan(0);
      if (!spec.stops) continue;
      const at = stops.filter((s) => spec.stops?.includes(s.name ?? ''));
      expect(at.length, spec.name).toBeGreaterThan(0);
      const dist = Math.min(
        ...at.flatMap((stop) =>
          found.flatMap((s) =>
            s.polygons.flatMap((poly) => edgesOf(poly).map(([a, b]) => pointSegDist(stop.at, a, b))),
          ),
        ),
      );
      // Stops come in pairs across the street; the landmark is offset from their midpoint.
      expect(dist, spec.name).toBeGreaterThanOrEqual(10);
      expect(dist, spec.name).toBeLessThanOrEqual(150);
    }
  });

  it('include the twin towers of the Administrative Centre as one MultiPolygon', () => {
    const centre = city.buildings.features.find((f) => f.properties.name?.startsWith('Trung tâm Hành chính'));
    expect(centre?.geometry.type).toBe('MultiPolygon');
    expect(centre?.properties.storeys).toBe(21);
  });
});

describe('roads', () => {
  it('carry complete properties', () => {
    const classes = new Set(['trunk', 'primary', 'secondary', 'tertiary', 'residential', 'service']);
    const sources = new Set(['generated', 'vn_national_roads (CC-BY-SA-4.0)']);
    const ids = new Set<string>();
    const problems: string[] = [];
    for (const f of city.roads.features) {
      const p = f.properties;
      ids.add(p.id);
      const ok =
        /^R-\d{6}$/.test(p.id) &&
        p.name.length > 0 &&
        classes.has(p.class) &&
        Number.isInteger(p.lanes) &&
        p.lanes >= 1 &&
        typeof p.oneway === 'boolean' &&
        p.maxspeedKmh > 0 &&
        sources.has(p.source) &&
        f.geometry.coordinates.length >= 2;
      if (!ok) problems.push(JSON.stringify(p));
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(ids.size).toBe(city.roads.features.length);
    const ql13 = city.roads.features.filter((f) => f.properties.name.includes('Quốc lộ 13'));
    expect(ql13.length).toBeGreaterThan(0);
    expect(ql13.every((f) => f.properties.class === 'trunk')).toBe(true);
  });

  it('form one routable graph: streets meet at shared nodes, dead ends only at ward boundaries', () => {
    const key = (p: Position) => `${p[0]},${p[1]}`;
    const degree = new Map<string, number>();
    const parent = new Map<string, string>();
    const find = (k: string): string => {
      let r = k;
      while (parent.get(r) !== r) r = parent.get(r)!;
      parent.set(k, r);
      return r;
    };
    for (const f of city.roads.features) {
      const c = f.geometry.coordinates;
      const a = key(c[0]!);
      const b = key(c[c.length - 1]!);
      for (const k of [a, b]) {
        degree.set(k, (degree.get(k) ?? 0) + 1);
        if (!parent.has(k)) parent.set(k, k);
      }
      parent.set(find(a), find(b));
    }
    const roots = new Set([...parent.keys()].map(find));
    expect(roots.size).toBe(1);

    const wardEdges = inputs.wards.features.flatMap((w) => {
      const g = w.geometry;
      return edgesOf([(g.type === 'Polygon' ? g.coordinates[0]! : g.coordinates[0]![0]!).map(toM)]);
    });
    const danglingInside: string[] = [];
    for (const [k, d] of degree) {
      if (d !== 1) continue;
      const p = toM(k.split(',').map(Number) as Position);
      const toBoundary = Math.min(...wardEdges.map(([a, b]) => pointSegDist(p, a, b)));
      if (toBoundary > GENERATE_CITY_DEFAULTS.boundaryDeadEndM + 1) danglingInside.push(k);
    }
    expect(danglingInside.slice(0, 10)).toEqual([]);

    // No two streets cross between nodes (that would be a junction the router cannot use).
    const segs = city.roads.features.flatMap((f) => {
      const pts = f.geometry.coordinates.map(toM);
      return pts.slice(1).map((b, i) => ({ a: pts[i]!, b, id: f.properties.id }));
    });
    const near = grid(
      segs,
      (s) => [
        Math.min(s.a[0], s.b[0]),
        Math.min(s.a[1], s.b[1]),
        Math.max(s.a[0], s.b[0]),
        Math.max(s.a[1], s.b[1]),
      ],
      100,
    );
    const crossings: string[] = [];
    segs.forEach((s, i) => {
      const [x0, x1] = [Math.min(s.a[0], s.b[0]), Math.max(s.a[0], s.b[0])];
      const [y0, y1] = [Math.min(s.a[1], s.b[1]), Math.max(s.a[1], s.b[1])];
      for (const j of near(x0, y0, x1, y1)) {
        if (j <= i || segs[j]!.id === s.id) continue;
        const h = cross(s.a, s.b, segs[j]!.a, segs[j]!.b);
        if (h && h.t > 1e-6 && h.t < 1 - 1e-6 && h.u > 1e-6 && h.u < 1 - 1e-6)
          crossings.push(`${s.id} × ${segs[j]!.id}`);
      }
    });
    expect(crossings.slice(0, 10)).toEqual([]);
  });
});
