import type { SunHoursGrid } from '../../../../tiler/src/api/planning.js';
import { sunDeltaColor, sunHoursColor } from './styles';

/**
 * A sun-hours grid as an image, one pixel per cell (north up), for a ground overlay. Cells under
 * buildings are transparent. `minus` gives B − A on the same grid (both scenarios are computed
 * on one area, so cells line up).
 */
export function heatmapCanvas(grid: SunHoursGrid, minus?: SunHoursGrid): HTMLCanvasElement {
  if (minus && (minus.cols !== grid.cols || minus.rows !== grid.rows))
    throw new Error('sun-hours grids of A and B differ in size; run bdtwin plan with one sunHours area');
  const canvas = document.createElement('canvas');
  canvas.width = grid.cols;
  canvas.height = grid.rows;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  const image = ctx.createImageData(grid.cols, grid.rows);
  for (let row = 0; row < grid.rows; row++) {
    for (let col = 0; col < grid.cols; col++) {
      const i = row * grid.cols + col;
      const h = grid.hours[i] ?? -1;
      const o = ((grid.rows - 1 - row) * grid.cols + col) * 4; // row 0 is the south edge
      const m = minus ? (minus.hours[i] ?? -1) : 0;
      if (h < 0 || m < 0) continue;
      const [r, g, b] = minus ? sunDeltaColor(h - m) : sunHoursColor(h);
      image.data[o] = r;
      image.data[o + 1] = g;
      image.data[o + 2] = b;
      image.data[o + 3] = 215;
    }
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

/** Mean hours over the cells that are ground (not under a building) in both grids. */
export function meanSunHours(grid: SunHoursGrid, other?: SunHoursGrid): number {
  let sum = 0;
  let n = 0;
  grid.hours.forEach((h, i) => {
    if (h < 0 || (other && (other.hours[i] ?? -1) < 0)) return;
    sum += h;
    n++;
  });
  return n ? sum / n : 0;
}
