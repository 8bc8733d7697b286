import { BufferAttribute, BufferGeometry, DoubleSide, Ray, Vector3 } from 'three';
import { MeshBVH } from 'three-mesh-bvh';
import type { SunHoursGrid } from '../api/planning.js';
import { extrudeRingsTo, type MeshSink, meshSize } from '../buildings/extrude.js';
import { metresPerDegree } from '../geo/ellipsoid.js';
import { type BBox, localFrame, type Polygons, polygonsBBox, toLocalPolygons } from './geometry.js';
import { PolygonIndex } from './parcel-index.js';
import { formatLocalTime, sunDay } from './sun.js';

/**
 * Hours of direct sun on a ground grid for one day, by ray casting: from each grid point a ray
 * towards the sun at every sample time (suncalc, 15-minute steps by default) is tested against
 * the scenario's extruded buildings in a bounding-volume hierarchy (three-mesh-bvh). A point
 * is sunlit at a sample when its ray hits nothing; its hours are the weights of those samples.
 */

export interface SunHoursOptions {
  spacingM: number;
  stepMinutes: number;
  /** Ray origins above the ground, m: just off it, so the ground itself never shades. */
  groundOffsetM: number;
  /**
   * Buildings farther than this from the area are ignored, m. A 100 m tower's shadow is 570 m
   * long at 10° sun altitude: beyond 600 m only the first and last half-hour of sun would change.
   */
  reachM: number;
  /**
   * Ground height (ellipsoid m) at a point: the terrain hook. Without it the ground is flat at 0,
   * as the buildings' bases are.
   */
  groundHeightM?: (lonDeg: number, latDeg: number) => number;
}

export const SUN_HOURS_DEFAULTS: SunHoursOptions = {
  spacingM: 2,
  stepMinutes: 15,
  groundOffsetM: 0.05,
  reachM: 600,
};

/** What ray casting needs of a building (a Footprint or PlanBuilding with a base fits). */
export interface ShadowCaster {
  polygons: Polygons;
  heightM: number;
  /** Ground height under it, m (0 without terrain). */
  baseM?: number;
}

class ArraySink implements MeshSink {
  positions: Float32Array;
  indices: Uint32Array;
  vertexCount = 0;
  indexCount = 0;
  private z0 = 0;
  constructor(vertices: number, indices: number) {
    this.positions = new Float32Array(vertices * 3);
    this.indices = new Uint32Array(indices);
  }
  base(z0: number) {
    this.z0 = z0;
  }
  vertex(x: number, y: number, z: number): number {
    const o = this.vertexCount * 3;
    this.positions[o] = x;
    this.positions[o + 1] = y;
    this.positions[o + 2] = z + this.z0;
    return this.vertexCount++;
  }
  triangle(a: number, b: number, c: number): void {
    this.indices[this.indexCount++] = a;
    this.indices[this.indexCount++] = b;
    this.indices[this.indexCount++] = c;
  }
}

/** Buildings within `reachM` of a bbox (lon/lat degrees). */
export function castersNear<T extends ShadowCaster>(
  buildings: readonly T[],
  area: BBox,
  reachM: number,
): T[] {
  const { lonM, latM } = metresPerDegree((area[1] + area[3]) / 2);
  const [w, s, e, n] = [
    area[0] - reachM / lonM,
    area[1] - reachM / latM,
    area[2] + reachM / lonM,
    area[3] + reachM / latM,
  ];
  return buildings.filter((b) => {
    const bb = polygonsBBox(b.polygons);
    return bb[2] >= w && bb[0] <= e && bb[3] >= s && bb[1] <= n;
  });
}

/**
 * Sun hours on a grid over `area` ([west, south, east, north] degrees) on a local date (UTC+7).
 * Cells whose centre is inside a building are −1 (roofs are not ground).
 */
export function sunHoursGrid(
  casters: readonly ShadowCaster[],
  area: BBox,
  date: string,
  options: SunHoursOptions = SUN_HOURS_DEFAULTS,
): SunHoursGrid {
  const [west, south, east, north] = area;
  const centreLon = (west + east) / 2;
  const centreLat = (south + north) / 2;
  const frame = localFrame(centreLon, centreLat);
  const { lonM, latM } = metresPerDegree(centreLat);
  const cols = Math.max(1, Math.round(((east - west) * lonM) / options.spacingM));
  const rows = Math.max(1, Math.round(((north - south) * latM) / options.spacingM));
  const dLonDeg = (east - west) / cols;
  const dLatDeg = (north - south) / rows;
  const day = sunDay(date, centreLon, centreLat, options.stepMinutes);

  // One mesh of every building on the area's tangent plane (x east, y north, z up).
  const local = casters.map((c) => toLocalPolygons(c.polygons, frame));
  let vertices = 0;
  let indices = 0;
  for (const p of local) {
    const size = meshSize(p);
    vertices += size.vertices;
    indices += size.indices;
  }
  const sink = new ArraySink(vertices, indices);
  casters.forEach((c, i) => {
    sink.base(c.baseM ?? 0);
    for (const rings of local[i]!) extrudeRingsTo(rings, c.heightM, 0, sink);
  });
  const footprints = new PolygonIndex(local);
  const hours = new Array<number>(cols * rows).fill(0);
  if (sink.indexCount > 0) {
    const geometry = new BufferGeometry();
    geometry.setAttribute(
      'position',
      new BufferAttribute(sink.positions.subarray(0, sink.vertexCount * 3), 3),
    );
    geometry.setIndex(new BufferAttribute(sink.indices.subarray(0, sink.indexCount), 1));
    const bvh = new MeshBVH(geometry);
    const ray = new Ray(new Vector3(), new Vector3());
    const dirs = day.samples.map((s) => new Vector3(...s.direction));
    for (let row = 0; row < rows; row++) {
      for (let col = 0; col < cols; col++) {
        const lon = west + (col + 0.5) * dLonDeg;
        const lat = south + (row + 0.5) * dLatDeg;
        const [x, y] = frame.toLocal(lon, lat);
        if (footprints.find(x, y) >= 0) {
          hours[row * cols + col] = -1;
          continue;
        }
        const z = (options.groundHeightM?.(lon, lat) ?? 0) + options.groundOffsetM;
        let h = 0;
        for (let k = 0; k < dirs.length; k++) {
          ray.origin.set(x, y, z);
          ray.direction.copy(dirs[k]!);
          if (!bvh.raycastFirst(ray, DoubleSide)) h += day.samples[k]!.weightH;
        }
        hours[row * cols + col] = h;
      }
    }
  } else {
    hours.fill(day.daylightHours);
  }
  return {
    date,
    stepMinutes: options.stepMinutes,
    spacingM: options.spacingM,
    west,
    south,
    east,
    north,
    cols,
    rows,
    dLonDeg,
    dLatDeg,
    daylightHours: Math.round(day.daylightHours * 1000) / 1000,
    sunrise: formatLocalTime(day.sunrise),
    sunset: formatLocalTime(day.sunset),
    buildings: casters.length,
    hours: hours.map((h) => (h < 0 ? -1 : Math.round(h * 100) / 100)),
  };
}
