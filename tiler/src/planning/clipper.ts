import { Clipper, ClipperOffset, EndType, FillRule, JoinType, Path64, Paths64, Point64 } from 'clipper2-js';
import { type Polygons, pointInPolygons, ringArea } from './geometry.js';

/**
 * Polygon offset and boolean operations through Clipper2 (clipper2-js), on polygons in local
 * metres. Clipper works on integers: coordinates are scaled to millimetres.
 */

/** Clipper units per metre: 1 mm, far below any setback or survey precision. */
const SCALE = 1000;

/**
 * clipper2-js 1.2.4's `offsetPolygon` passes the previous-vertex index by value, so every vertex
 * is joined against the *last* edge's normal instead of its own previous edge (the C# original
 * passes it by `ref`): a 40 × 30 m rectangle inset by 5 m comes out as a skewed quadrilateral
 * of 887 m² instead of 30 × 20 = 600 m². This subclass restores the original loop; everything
 * else (joins, the union that cleans self-intersections) is the library's. Tested in
 * envelope.test.ts, which fails if the library's behaviour changes under us.
 */
class FixedClipperOffset extends ClipperOffset {}
interface OffsetInternals {
  _groupDelta: number;
  offsetPoint(group: unknown, path: Point64[], j: number, k: number): void;
}
(FixedClipperOffset.prototype as unknown as { offsetPolygon: unknown }).offsetPolygon = function (
  this: OffsetInternals,
  group: { outPath: Point64[]; outPaths: Point64[][] },
  path: Point64[],
) {
  const area = Clipper.area(path);
  if (area < 0 !== this._groupDelta < 0) {
    // A hole grows or an outer ring shrinks: skip it when the offset swallows it whole.
    const rect = Clipper.getBounds(path);
    const minDim = Math.abs(this._groupDelta) * 2;
    if (minDim > rect.width || minDim > rect.height) return;
  }
  group.outPath = [];
  let prev = path.length - 1;
  for (let i = 0; i < path.length; i++) {
    this.offsetPoint(group, path, i, prev);
    prev = i;
  }
  group.outPaths.push(group.outPath);
};

function toPaths(polygons: Polygons): Paths64 {
  const paths = new Paths64();
  for (const rings of polygons) {
    rings.forEach((ring, r) => {
      const path = new Path64();
      for (let i = 0; i < ring.length; i += 2) {
        path.push(new Point64(Math.round(ring[i]! * SCALE), Math.round(ring[i + 1]! * SCALE)));
      }
      // Clipper's orientation decides outer vs hole: outer counter-clockwise, holes clockwise.
      const ccw = Clipper.area(path) > 0;
      if ((r === 0) !== ccw) path.reverse();
      paths.push(path);
    });
  }
  return paths;
}

/** Clipper paths (outers counter-clockwise, holes clockwise) → polygons with holes. */
function fromPaths(paths: Paths64): Polygons {
  const rings = paths
    .map((p) => {
      const flat: number[] = [];
      for (const pt of p as Path64) flat.push(pt.x / SCALE, pt.y / SCALE);
      return flat;
    })
    .filter((r) => r.length >= 6);
  const outers = rings.filter((r) => ringArea(r) > 0).map((r) => [r]);
  for (const hole of rings.filter((r) => ringArea(r) < 0)) {
    // The smallest outer containing the hole's first vertex owns it.
    let best: number[][] | undefined;
    let bestArea = Infinity;
    for (const poly of outers) {
      const a = ringArea(poly[0]!);
      if (a < bestArea && pointInPolygons(hole[0]!, hole[1]!, [[poly[0]!]])) {
        best = poly;
        bestArea = a;
      }
    }
    best?.push(hole);
  }
  return outers;
}

/**
 * Polygons moved inwards by `distanceM` (a setback): mitred corners, so a rectangle stays a
 * rectangle. Parts narrower than twice the distance vanish; the result may be empty.
 */
export function insetPolygons(polygons: Polygons, distanceM: number): Polygons {
  if (distanceM <= 0) return polygons.map((rings) => rings.map((r) => [...r]));
  // Miter limit 4: a corner sharper than ~29° is squared off instead of spiking far out.
  const offset = new FixedClipperOffset(4, 0.25);
  offset.addPaths(toPaths(polygons), JoinType.Miter, EndType.Polygon);
  const out = new Paths64();
  offset.execute(-distanceM * SCALE, out);
  return fromPaths(out);
}

/** Area (m²) of `subject` outside `clip`: 0 when it lies wholly inside. */
export function areaOutsideM2(subject: Polygons, clip: Polygons): number {
  const rest = Clipper.Difference(toPaths(subject), toPaths(clip), FillRule.NonZero);
  return Clipper.areaPaths(rest) / (SCALE * SCALE);
}

/** `subject` minus `clip` (both polygons with holes, local metres). */
export function differencePolygons(subject: Polygons, clip: Polygons): Polygons {
  return fromPaths(Clipper.Difference(toPaths(subject), toPaths(clip), FillRule.NonZero));
}

/** The union of polygons (overlaps merged). */
export function unionPolygons(polygons: Polygons): Polygons {
  return fromPaths(Clipper.Union(toPaths(polygons), undefined, FillRule.NonZero));
}
