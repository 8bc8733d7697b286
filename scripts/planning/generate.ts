/**
 * Demo planning inputs for Bình Dương New City, generated from the demo city (data/generated)
 * and the invented rules in data/planning/zoning-rules.json: two zoning plans (the plan in force
 * in 2025 and a transit-oriented adjustment for 2030), two proposals (today's buildings; new
 * towers around a planned rail station) and the manifest tying them into two scenarios.
 * Deterministic: the same city and rules give byte-identical files.
 *
 *   npx tsx scripts/planning/generate.ts [--out data/generated/planning]
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { areaOutsideM2, insetPolygons } from '../../tiler/src/planning/clipper.js';
import {
  type Polygons,
  pointInPolygons,
  polygonsArea,
  polygonsBBox,
  polygonsCentroid,
} from '../../tiler/src/planning/geometry.js';
import type { PlanManifest } from '../../tiler/src/planning/manifest.js';
import { createProjection, type Projection, roundDeg } from '../city/projection.js';
import { createRng, deriveSeed } from '../city/rng.js';
import type { RoadClass } from '../city/roads.js';
import { type Block, cityBlocks, type RoadSegment } from './blocks.js';

/** Bump when the generated files change for the same city and rules. */
export const PLANNING_GENERATOR_VERSION = 1;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RULES_FILE = path.join(REPO_ROOT, 'data/planning/zoning-rules.json');
export const PLANNING_INPUTS_DIR = path.join(REPO_ROOT, 'data/generated/planning');
export const MANIFEST_NAME = 'binh-duong-new-city.plan.json';
const WARDS_FILE = path.join(REPO_ROOT, 'data/admin/thu_dau_mot_2025_wards.geojson');

type ZoneId =
  | 'admin'
  | 'school'
  | 'highRise'
  | 'lowRise'
  | 'mixedLowRise'
  | 'commercial'
  | 'park'
  | 'station'
  | 'tod';

interface ZoneRule {
  landUse: string;
  name: string;
  maxFar: number;
  /** Percent. */
  maxCoverage: number;
  maxStoreys: number;
  setbackM: number;
}

export interface ZoningRules {
  seed: number;
  area: { bbox: [number, number, number, number] };
  station: { name: string; lonLat: [number, number]; todRadiusM: number };
  zones: Record<ZoneId, ZoneRule>;
  vacantShares: Partial<Record<ZoneId, number>>;
  todProposal: {
    towerFootprintM: [number, number];
    towerGapM: number;
    storeys: [number, number];
    storeyHeightM: number;
    targetFar: number;
    commercialShare: number;
    newParks: number;
    violations: { tooTallStoreys: number; intoSetbackM: number };
  };
}

interface CityBuilding {
  /** The feature line as in buildings.geojson (rewritten unchanged into today's proposal). */
  line: string;
  id: string;
  storeys: number;
  use: string;
  form: string;
  local: Polygons;
  areaM2: number;
}

interface Parcel {
  id: string;
  block: Block;
  centroid: [number, number];
  buildings: CityBuilding[];
  zone2025: ZoneId;
  zone2030: ZoneId;
  /** Limits fitted to what is built (2025) or the rule (2030 changes). */
  limits2025: ZoneRule;
  limits2030: ZoneRule;
}

async function* featureLines(file: string): AsyncGenerator<string> {
  // The demo city writes one feature per line (see scripts/city/README.md).
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (line.startsWith('{"type":"Feature"')) yield line.replace(/,\s*$/, '');
  }
}

const up = (v: number, step: number) => Math.ceil(v / step - 1e-9) * step;

/** Largest setback from [rule, 3, 0] that none of the buildings reach into. */
function fittedSetback(block: Block, buildings: readonly CityBuilding[], ruleM: number): number {
  for (const s of [ruleM, 3, 0]) {
    if (s > ruleM) continue;
    const env = insetPolygons(block.polygons, s);
    if (buildings.every((b) => areaOutsideM2(b.local, env) <= 0.5)) return s;
  }
  return 0;
}

/** The longest edge's direction of a block (radians): towers are laid out along it. */
function blockAngle(polygons: Polygons): number {
  const ring = polygons[0]![0]!;
  let best = 0;
  let angle = 0;
  const n = ring.length / 2;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const dx = ring[j * 2]! - ring[i * 2]!;
    const dy = ring[j * 2 + 1]! - ring[i * 2 + 1]!;
    const len = Math.hypot(dx, dy);
    if (len > best) {
      best = len;
      angle = Math.atan2(dy, dx);
    }
  }
  return angle;
}

function rectangle(cx: number, cy: number, w: number, h: number, angle: number): Polygons {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const ring: number[] = [];
  for (const [u, v] of [
    [-w / 2, -h / 2],
    [w / 2, -h / 2],
    [w / 2, h / 2],
    [-w / 2, h / 2],
  ] as const)
    ring.push(cx + u * c - v * s, cy + u * s + v * c);
  return [[ring]];
}

function toLonLatRing(ring: readonly number[], projection: Projection): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < ring.length; i += 2) {
    const [lon, lat] = projection.toLonLat(ring[i]!, ring[i + 1]!);
    out.push([roundDeg(lon), roundDeg(lat)]);
  }
  out.push(out[0]!);
  return out;
}

function polygonGeometry(polygons: Polygons, projection: Projection) {
  return polygons.length === 1
    ? { type: 'Polygon', coordinates: polygons[0]!.map((r) => toLonLatRing(r, projection)) }
    : { type: 'MultiPolygon', coordinates: polygons.map((p) => p.map((r) => toLonLatRing(r, projection))) };
}

export interface DemoPlanningSummary {
  parcels: number;
  zones2025: Record<string, number>;
  zones2030: Record<string, number>;
  todayBuildings: number;
  newTowers: number;
  station: string;
  sunArea: [number, number, number, number];
}

export interface WriteDemoPlanningOptions {
  /** Where the demo city is (buildings.geojson, roads.geojson). */
  cityDir: string;
  outDir?: string;
  rulesFile?: string;
}

export async function writeDemoPlanningInputs(
  options: WriteDemoPlanningOptions,
): Promise<DemoPlanningSummary> {
  const outDir = options.outDir ?? PLANNING_INPUTS_DIR;
  const rules = JSON.parse(await readFile(options.rulesFile ?? RULES_FILE, 'utf8')) as ZoningRules;
  const [west, south, east, north] = rules.area.bbox;
  const projection = createProjection((west + east) / 2, (south + north) / 2);
  const [x0, y0] = projection.toLocal(west, south);
  const [x1, y1] = projection.toLocal(east, north);
  const inArea = (x: number, y: number) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
  const margin = 500;

  // 1. Blocks of the street network → parcels, numbered west→east in rows from the north.
  const segments: RoadSegment[] = [];
  for await (const line of featureLines(path.join(options.cityDir, 'roads.geojson'))) {
    const f = JSON.parse(line) as {
      properties: { class: RoadClass; lanes: number };
      geometry: { coordinates: [number, number][] };
    };
    const pts = f.geometry.coordinates.map(([lon, lat]) => projection.toLocal(lon, lat));
    if (!pts.some(([x, y]) => x > x0 - margin && x < x1 + margin && y > y0 - margin && y < y1 + margin))
      continue;
    segments.push({ points: pts, roadClass: f.properties.class, lanes: f.properties.lanes });
  }
  const blocks = cityBlocks(segments, inArea, { minAreaM2: 2000, maxAreaM2: 200_000 });
  const rowM = 150;
  const ordered = blocks
    .map((block) => ({ block, centroid: polygonsCentroid(block.polygons) }))
    .sort(
      (a, b) =>
        Math.round(b.centroid[1] / rowM) - Math.round(a.centroid[1] / rowM) || a.centroid[0] - b.centroid[0],
    );

  // 2. Today's buildings in the area, each in the block containing its centroid.
  const today: CityBuilding[] = [];
  for await (const line of featureLines(path.join(options.cityDir, 'buildings.geojson'))) {
    const f = JSON.parse(line) as {
      properties: { id: string; storeys?: number; use?: string; form?: string };
      geometry: { type: string; coordinates: number[][][] | number[][][][] };
    };
    const polys = (
      f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates
    ) as number[][][][];
    const local: Polygons = polys.map((rings) =>
      rings.map((ring) => ring.slice(0, -1).flatMap(([lon, lat]) => projection.toLocal(lon!, lat!))),
    );
    const [cx, cy] = polygonsCentroid(local);
    if (!inArea(cx, cy)) continue;
    today.push({
      line,
      id: f.properties.id,
      storeys: f.properties.storeys ?? 1,
      use: f.properties.use ?? '',
      form: f.properties.form ?? '',
      local,
      areaM2: polygonsArea(local),
    });
  }
  const parcels: Parcel[] = ordered.map(({ block, centroid }, i) => ({
    id: `P-${String(i + 1).padStart(3, '0')}`,
    block,
    centroid,
    buildings: [],
    zone2025: 'lowRise',
    zone2030: 'lowRise',
    limits2025: rules.zones.lowRise,
    limits2030: rules.zones.lowRise,
  }));
  for (const b of today) {
    const [cx, cy] = polygonsCentroid(b.local);
    parcels.find((p) => pointInPolygons(cx, cy, p.block.polygons))?.buildings.push(b);
  }

  // 3. The plan in force (2025): a zone per block from what stands on it; vacant blocks by lot.
  const [sx, sy] = projection.toLocal(...rules.station.lonLat);
  const distance = (p: Parcel) => Math.hypot(p.centroid[0] - sx, p.centroid[1] - sy);
  const rng = createRng(deriveSeed(rules.seed, 'planning-zones'));
  const vacant = parcels.filter((p) => p.buildings.length === 0);
  const stationParcel = [...vacant].sort((a, b) => distance(a) - distance(b))[0];
  for (const p of parcels) {
    const bs = p.buildings;
    const gfa = (pred: (b: CityBuilding) => boolean) =>
      bs.filter(pred).reduce((s, b) => s + b.areaM2 * Math.max(1, b.storeys), 0);
    const total = gfa(() => true);
    const commercialShare = total > 0 ? gfa((b) => b.use === 'TMD') / total : 0;
    if (p === stationParcel) p.zone2025 = 'station';
    else if (bs.some((b) => b.use === 'TSC' && b.form === 'landmark')) p.zone2025 = 'admin';
    else if (bs.some((b) => b.use === 'DGD')) p.zone2025 = 'school';
    else if (bs.some((b) => b.storeys >= 12)) p.zone2025 = commercialShare > 0.5 ? 'commercial' : 'highRise';
    else if (bs.length > 0) p.zone2025 = commercialShare > 0.4 ? 'mixedLowRise' : 'lowRise';
    else {
      const shares = Object.entries(rules.vacantShares) as [ZoneId, number][];
      p.zone2025 = rng.weighted(shares);
    }
    // Fitted to what is built, so that today's city complies with today's plan: the rule, or
    // the next round number above what stands there.
    const rule = rules.zones[p.zone2025];
    const area = p.block.areaM2;
    const storeys = Math.max(0, ...bs.map((b) => b.storeys));
    const coverage = (bs.reduce((s, b) => s + b.areaM2, 0) / area) * 100;
    p.limits2025 = {
      ...rule,
      maxStoreys: Math.max(rule.maxStoreys, up(storeys, 5)),
      maxCoverage: Math.max(rule.maxCoverage, up(coverage, 5)),
      maxFar: Math.max(rule.maxFar, up(total / area, 0.5)),
      setbackM: fittedSetback(p.block, bs, rule.setbackM),
    };
  }

  // 4. The TOD adjustment (2030): within walking distance of the station, vacant and high-rise
  // blocks become mixed-use towers; the farthest vacant one of them a park instead.
  for (const p of parcels) {
    p.zone2030 = p.zone2025;
    p.limits2030 = p.limits2025;
  }
  const todCandidates = parcels
    .filter((p) => distance(p) <= rules.station.todRadiusM)
    .filter(
      (p) =>
        ['highRise', 'commercial'].includes(p.zone2025) ||
        (p.buildings.length === 0 && p.zone2025 !== 'station' && p.zone2025 !== 'park'),
    );
  const vacantTod = todCandidates
    .filter((p) => p.buildings.length === 0)
    .sort((a, b) => distance(b) - distance(a));
  const newParks = new Set(vacantTod.slice(0, rules.todProposal.newParks));
  for (const p of todCandidates) {
    p.zone2030 = newParks.has(p) ? 'park' : 'tod';
    const rule = rules.zones[p.zone2030];
    p.limits2030 =
      p.buildings.length > 0
        ? {
            ...rule,
            maxStoreys: Math.max(rule.maxStoreys, p.limits2025.maxStoreys),
            maxFar: Math.max(rule.maxFar, p.limits2025.maxFar),
            maxCoverage: Math.max(rule.maxCoverage, p.limits2025.maxCoverage),
            setbackM: Math.min(rule.setbackM, p.limits2025.setbackM),
          }
        : rule;
  }

  // 5. The TOD proposal: towers on the vacant TOD parcels, laid out along each block's long side,
  // up to the target FAR. Two deliberate violations: a tower over the storey limit next to the
  // station, and one built into the setback on the next parcel.
  const tp = rules.todProposal;
  const towerRng = createRng(deriveSeed(rules.seed, 'planning-towers'));
  const towers: { id: string; name: string; polygons: Polygons; storeys: number; use: string }[] = [];
  const todParcels = parcels
    .filter((p) => p.zone2030 === 'tod' && p.buildings.length === 0)
    .sort((a, b) => distance(a) - distance(b));
  todParcels.forEach((p, rank) => {
    const lim = p.limits2030;
    const envelope = insetPolygons(p.block.polygons, lim.setbackM + 1);
    const loose = rank === 1 ? insetPolygons(p.block.polygons, tp.violations.intoSetbackM) : undefined;
    const angle = blockAngle(p.block.polygons);
    const [w, h] = tp.towerFootprintM;
    const [bx0, by0, bx1, by1] = polygonsBBox(p.block.polygons);
    const cx = (bx0 + bx1) / 2;
    const cy = (by0 + by1) / 2;
    const reach = Math.hypot(bx1 - bx0, by1 - by0) / 2;
    const stepU = w + tp.towerGapM;
    const stepV = h + tp.towerGapM;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    let gfa = 0;
    let n = 0;
    let setbackViolated = false;
    for (let v = -reach; v <= reach; v += stepV) {
      for (let u = -reach; u <= reach; u += stepU) {
        if (gfa >= tp.targetFar * p.block.areaM2) break;
        const x = cx + u * cos - v * sin;
        const y = cy + u * sin + v * cos;
        const rect = rectangle(x, y, w, h, angle);
        const inside = areaOutsideM2(rect, envelope) === 0;
        // The setback breach: the first tower that fits only when the setback is 2 m.
        const breach = !inside && !setbackViolated && loose !== undefined && areaOutsideM2(rect, loose) === 0;
        if (!inside && !breach) continue;
        if (breach) setbackViolated = true;
        const tooTall = rank === 0 && n === 0;
        const storeys = tooTall ? tp.violations.tooTallStoreys : towerRng.int(tp.storeys[0], tp.storeys[1]);
        n++;
        gfa += w * h * storeys;
        towers.push({
          id: `TOD-${p.id.slice(2)}-${String(n).padStart(2, '0')}`,
          name: `Tháp ${p.id}-${n}`,
          polygons: rect,
          storeys,
          use: towerRng.chance(tp.commercialShare) ? 'TMD' : 'ODT',
        });
      }
    }
  });

  // 6. Files.
  await mkdir(outDir, { recursive: true });
  const write = async (name: string, text: string) => {
    const file = path.join(outDir, name);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, file);
  };
  const zoningText = (year: 2025 | 2030) =>
    `{"type":"FeatureCollection","name":"Quy hoạch phân khu (mô phỏng) ${year}","features":[\n${parcels
      .map((p) => {
        const z = year === 2025 ? p.zone2025 : p.zone2030;
        const l = year === 2025 ? p.limits2025 : p.limits2030;
        const name = z === 'station' ? rules.station.name : l.name;
        return JSON.stringify({
          type: 'Feature',
          properties: {
            parcel_id: p.id,
            land_use: l.landUse,
            name,
            max_far: l.maxFar,
            max_coverage: l.maxCoverage,
            max_storeys: l.maxStoreys,
            setback_m: l.setbackM,
          },
          geometry: polygonGeometry(p.block.polygons, projection),
        });
      })
      .join(',\n')}\n]}\n`;
  await write('zoning-2025.geojson', zoningText(2025));
  await write('zoning-tod-2030.geojson', zoningText(2030));
  await write(
    'hien-trang-2025.geojson',
    `{"type":"FeatureCollection","name":"Hiện trạng 2025 (thành phố mô phỏng)","features":[\n${today.map((b) => b.line).join(',\n')}\n]}\n`,
  );
  await write(
    'tod-2030-new.geojson',
    `{"type":"FeatureCollection","name":"Công trình mới TOD 2030 (mô phỏng)","features":[\n${towers
      .map((t) =>
        JSON.stringify({
          type: 'Feature',
          properties: {
            id: t.id,
            name: t.name,
            storeys: t.storeys,
            height: Math.round((t.storeys * tp.storeyHeightM + 3) * 10) / 10,
            use: t.use,
          },
          geometry: polygonGeometry(t.polygons, projection),
        }),
      )
      .join(',\n')}\n]}\n`,
  );
  // Sun hours on 200 × 200 m around the TOD parcel nearest the station: where towers go up.
  const focus = todParcels[0] ?? parcels[0]!;
  const [fLon, fLat] = projection.toLonLat(...focus.centroid);
  const dLon = 100 / ((Math.PI / 180) * 6_378_137 * Math.cos((fLat * Math.PI) / 180));
  const dLat = 100 / ((Math.PI / 180) * 6_378_137);
  const sunArea: [number, number, number, number] = [
    roundDeg(fLon - dLon),
    roundDeg(fLat - dLat),
    roundDeg(fLon + dLon),
    roundDeg(fLat + dLat),
  ];
  const manifest: PlanManifest & { $comment: string } = {
    $comment:
      'Generated by scripts/planning/generate.ts from the demo city and data/planning/zoning-rules.json. Invented data: see data/planning/README.md.',
    name: 'Thành phố mới Bình Dương — kịch bản quy hoạch (mô phỏng)',
    description:
      'Khu vực quanh Trung tâm Hành chính tập trung tỉnh Bình Dương: quy hoạch phân khu và hai kịch bản. Dữ liệu mô phỏng, không phải quy hoạch thật.',
    wards: path.relative(outDir, WARDS_FILE),
    defaults: { floorAreaPerPersonM2: 25, storeyHeightM: 3.5 },
    sunHours: { date: '2025-12-21', area: { bbox: sunArea }, spacingM: 2, stepMinutes: 15 },
    scenarios: [
      {
        id: 'hien-trang-2025',
        title: 'Hiện trạng 2025',
        description: 'Các công trình hiện có (thành phố mô phỏng) trên quy hoạch phân khu đang có hiệu lực.',
        en: {
          title: 'Existing 2025',
          description: 'The existing buildings (simulated city) on the zoning plan in force.',
        },
        baseYear: 2025,
        layers: { zoning: 'zoning-2025.geojson', proposals: ['hien-trang-2025.geojson'] },
      },
      {
        id: 'tod-2030',
        title: '2030 phát triển theo định hướng giao thông công cộng (TOD)',
        description: `Điều chỉnh quy hoạch trong bán kính ${rules.station.todRadiusM} m quanh ${rules.station.name}: hỗn hợp cao tầng, thêm công viên; ${towers.length} tháp mới.`,
        en: {
          title: '2030 transit-oriented development (TOD)',
          description: `Rezoning within ${rules.station.todRadiusM} m of ${rules.station.name}: high-rise mixed use and new parks; ${towers.length} new towers.`,
        },
        baseYear: 2030,
        layers: {
          zoning: 'zoning-tod-2030.geojson',
          proposals: ['hien-trang-2025.geojson', 'tod-2030-new.geojson'],
        },
      },
    ],
  };
  await write(MANIFEST_NAME, `${JSON.stringify(manifest, null, 2)}\n`);
  const count = (zones: ZoneId[]) => {
    const out: Record<string, number> = {};
    for (const z of zones) out[z] = (out[z] ?? 0) + 1;
    return out;
  };
  return {
    parcels: parcels.length,
    zones2025: count(parcels.map((p) => p.zone2025)),
    zones2030: count(parcels.map((p) => p.zone2030)),
    todayBuildings: today.length,
    newTowers: towers.length,
    station: stationParcel?.id ?? '',
    sunArea,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outIdx = process.argv.indexOf('--out');
  const outDir = outIdx > 0 ? path.resolve(process.argv[outIdx + 1]!) : PLANNING_INPUTS_DIR;
  const summary = await writeDemoPlanningInputs({ cityDir: path.join(REPO_ROOT, 'data/generated'), outDir });
  console.log(JSON.stringify(summary, null, 2));
  console.log(`wrote ${path.relative(process.cwd(), outDir)}/ (manifest: ${MANIFEST_NAME})`);
}
