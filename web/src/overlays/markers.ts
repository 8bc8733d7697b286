import type { GaugeLook, MarkerLook } from './sensors';
import type { VehicleLook } from './vehicles';

/**
 * Marker images drawn on a canvas once per look (`imageId`) and handed to Cesium billboards,
 * which keep one atlas entry per id: thousands of markers share a few hundred images. Text is
 * baked into the image instead of a Label per marker, because a LabelCollection re-lays out
 * every glyph of every moved label — at 5,000 moving buses that is the whole frame budget.
 */

/** Drawn at up to 2× for sharp markers on high-DPI screens; billboards scale back by 1/PIXEL_RATIO. */
export const PIXEL_RATIO = Math.min(2, Math.max(1, globalThis.devicePixelRatio || 1));

const FONT = 'system-ui, "DejaVu Sans", sans-serif';

function canvas(w: number, h: number): [HTMLCanvasElement, CanvasRenderingContext2D] {
  const c = document.createElement('canvas');
  c.width = Math.ceil(w * PIXEL_RATIO);
  c.height = Math.ceil(h * PIXEL_RATIO);
  const ctx = c.getContext('2d');
  if (!ctx) throw new Error('2D canvas unavailable');
  ctx.scale(PIXEL_RATIO, PIXEL_RATIO);
  return [c, ctx];
}

/** Air-quality pin: a disc in the band colour with the VN_AQI on it, on a stem to the ground. */
export const AIR_MARKER_SIZE = { width: 38, height: 50 };

export function drawAirMarker(look: MarkerLook): HTMLCanvasElement {
  const { width: w, height: h } = AIR_MARKER_SIZE;
  const [c, ctx] = canvas(w, h);
  const r = 16;
  const cx = w / 2;
  const cy = r + 2;
  ctx.strokeStyle = 'rgba(20,20,20,0.85)';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(cx, cy + r);
  ctx.lineTo(cx, h - 1);
  ctx.stroke();
  ctx.beginPath();
  ctx.arc(cx, cy, r, 0, Math.PI * 2);
  ctx.fillStyle = look.colour;
  ctx.fill();
  ctx.lineWidth = 2.5;
  ctx.strokeStyle = look.stale ? '#D0D0D0' : '#FFFFFF';
  if (look.stale) ctx.setLineDash([4, 3]);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = look.textColour;
  ctx.font = `700 ${look.text.length > 2 ? 13 : 15}px ${FONT}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(look.text, cx, cy + 1);
  return c;
}

/**
 * River gauge: a tube filled to the water level in the alarm colour, with ticks at alarm
 * levels I, II and III, the level in metres above, and the rain of the last report on the left.
 */
export const GAUGE_MARKER_SIZE = { width: 76, height: 86 };

export function drawGaugeMarker(look: GaugeLook, rainText: string | undefined): HTMLCanvasElement {
  const { width: w, height: h } = GAUGE_MARKER_SIZE;
  const [c, ctx] = canvas(w, h);
  const tubeW = 14;
  const tubeX = w / 2 - tubeW / 2;
  const top = 22;
  const bottom = h - 10;
  const tubeH = bottom - top;
  // Level box.
  ctx.font = `700 12px ${FONT}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const label = `${look.text} m`;
  const lw = ctx.measureText(label).width + 10;
  ctx.fillStyle = look.colour;
  roundRect(ctx, w / 2 - lw / 2, 1, lw, 18, 4);
  ctx.fill();
  ctx.strokeStyle = look.stale ? '#D0D0D0' : '#FFFFFF';
  ctx.lineWidth = 1.5;
  ctx.stroke();
  ctx.fillStyle = look.textColour;
  ctx.fillText(label, w / 2, 10.5);
  // Tube and water.
  ctx.fillStyle = 'rgba(15,20,30,0.8)';
  ctx.fillRect(tubeX, top, tubeW, tubeH);
  ctx.fillStyle = look.colour;
  const fillH = tubeH * look.fill;
  ctx.fillRect(tubeX, bottom - fillH, tubeW, fillH);
  ctx.strokeStyle = '#FFFFFF';
  ctx.lineWidth = 1.5;
  ctx.strokeRect(tubeX, top, tubeW, tubeH);
  // Alarm ticks I, II, III.
  ctx.font = `600 9px ${FONT}`;
  ctx.textAlign = 'left';
  for (const [i, t] of look.ticks.entries()) {
    const y = bottom - tubeH * t;
    ctx.strokeStyle = ['#FFD400', '#FF7E00', '#E53935'][i] ?? '#fff';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(tubeX - 4, y);
    ctx.lineTo(tubeX + tubeW + 4, y);
    ctx.stroke();
    ctx.fillStyle = '#FFFFFF';
    ctx.strokeStyle = 'rgba(0,0,0,0.8)';
    ctx.lineWidth = 2.5;
    const roman = ['I', 'II', 'III'][i] ?? '';
    ctx.strokeText(roman, tubeX + tubeW + 6, y);
    ctx.fillText(roman, tubeX + tubeW + 6, y);
  }
  // Stem to the ground.
  ctx.strokeStyle = 'rgba(20,20,20,0.85)';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(w / 2, bottom);
  ctx.lineTo(w / 2, h);
  ctx.stroke();
  if (rainText) {
    // A rain drop with the millimetres of the last report.
    const dx = tubeX - 16;
    const dy = top + 14;
    ctx.fillStyle = '#4FC3F7';
    ctx.beginPath();
    ctx.moveTo(dx, dy - 9);
    ctx.quadraticCurveTo(dx + 7, dy, dx, dy + 5);
    ctx.quadraticCurveTo(dx - 7, dy, dx, dy - 9);
    ctx.fill();
    ctx.font = `600 9px ${FONT}`;
    ctx.textAlign = 'center';
    ctx.fillStyle = '#FFFFFF';
    ctx.strokeStyle = 'rgba(0,0,0,0.85)';
    ctx.lineWidth = 2.5;
    ctx.strokeText(rainText, dx, dy + 14);
    ctx.fillText(rainText, dx, dy + 14);
  }
  return c;
}

/** Bus: a rounded tag in the route colour with the route number. */
export const BUS_MARKER_SIZE = { width: 34, height: 20 };

export function drawBusMarker(look: VehicleLook): HTMLCanvasElement {
  const { width: w, height: h } = BUS_MARKER_SIZE;
  const [c, ctx] = canvas(w, h);
  ctx.fillStyle = look.colour;
  roundRect(ctx, 1, 1, w - 2, h - 2, 5);
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = look.stale ? '#D0D0D0' : '#FFFFFF';
  if (look.stale) ctx.setLineDash([3, 2]);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = '#FFFFFF';
  ctx.font = `700 ${look.text.length > 2 ? 11 : 12}px ${FONT}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(look.text, w / 2, h / 2 + 0.5);
  return c;
}

function roundRect(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, r: number) {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}
