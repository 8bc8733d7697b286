import { type BBox, type Polygons, pointInPolygons, polygonsBBox } from './geometry.js';

/**
 * Which polygon contains a point: a uniform grid over the polygons' bounding boxes, then an
 * exact point-in-polygon test on the few candidates of the point's cell. Parcels of a zoning
 * plan are similar in size, so a grid of ~1 polygon per cell answers in O(1).
 */
export class PolygonIndex {
  private readonly cells = new Map<number, number[]>();
  private readonly bboxes: BBox[];
  private readonly polygons: readonly Polygons[];
  private readonly west: number;
  private readonly south: number;
  private readonly cellW: number;
  private readonly cellH: number;
  private readonly cols: number;

  constructor(polygons: readonly Polygons[]) {
    this.polygons = polygons;
    this.bboxes = polygons.map(polygonsBBox);
    let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const b of this.bboxes) {
      w = Math.min(w, b[0]);
      s = Math.min(s, b[1]);
      e = Math.max(e, b[2]);
      n = Math.max(n, b[3]);
    }
    if (!Number.isFinite(w)) [w, s, e, n] = [0, 0, 1, 1];
    const side = Math.max(1, Math.ceil(Math.sqrt(polygons.length)));
    this.west = w;
    this.south = s;
    this.cols = side;
    this.cellW = (e - w) / side || 1;
    this.cellH = (n - s) / side || 1;
    this.bboxes.forEach((b, i) => {
      const [x0, y0] = this.cell(b[0], b[1]);
      const [x1, y1] = this.cell(b[2], b[3]);
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const key = y * this.cols + x;
          const list = this.cells.get(key);
          if (list) list.push(i);
          else this.cells.set(key, [i]);
        }
      }
    });
  }

  private cell(x: number, y: number): [number, number] {
    const cx = Math.min(this.cols - 1, Math.max(0, Math.floor((x - this.west) / this.cellW)));
    const cy = Math.min(this.cols - 1, Math.max(0, Math.floor((y - this.south) / this.cellH)));
    return [cx, cy];
  }

  /** Index of the first polygon containing (x, y), or −1. */
  find(x: number, y: number): number {
    const [cx, cy] = this.cell(x, y);
    for (const i of this.cells.get(cy * this.cols + cx) ?? []) {
      const b = this.bboxes[i]!;
      if (x < b[0] || x > b[2] || y < b[1] || y > b[3]) continue;
      if (pointInPolygons(x, y, this.polygons[i]!)) return i;
    }
    return -1;
  }
}
