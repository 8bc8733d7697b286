import { type AirStationState, type AqiBand, aqiBandOf, type WaterGaugeState } from '../api';

/**
 * How sensors look: pure functions from a hub entity to a marker description. The drawing
 * (canvas images, Cesium billboards) is in markers.ts and sensor-layer.ts.
 */

/** A sensor the hub has not heard from for 10 min: its last value is shown greyed, not as current. */
export const STALE_COLOUR = '#8A8F98';
/** An air station with no PM2.5/PM10 yet has no VN_AQI (Decision 1459 requires one of them). */
export const NO_AQI_COLOUR = '#5B6B7F';

export interface MarkerLook {
  /** Fill colour (CSS hex). */
  colour: string;
  /** Text drawn on the marker. */
  text: string;
  /** Text colour readable on `colour`. */
  textColour: string;
  stale: boolean;
  /** A stable id for the drawn image: same id, same pixels (billboard texture cache key). */
  imageId: string;
}

const textColours = new Map<string, string>();

/** Black or white, whichever reads better on a fill (WCAG relative luminance). */
export function readableTextColour(hex: string): string {
  let c = textColours.get(hex);
  if (c === undefined) {
    c = luminanceText(hex);
    textColours.set(hex, c);
  }
  return c;
}

function luminanceText(hex: string): string {
  const v = Number.parseInt(hex.replace('#', ''), 16);
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * lin((v >> 16) & 255) + 0.7152 * lin((v >> 8) & 255) + 0.0722 * lin(v & 255);
  return l > 0.22 ? '#111111' : '#FFFFFF';
}

/** The VN_AQI band of a station, or undefined while it has no index. */
export function airBand(e: AirStationState): AqiBand | undefined {
  return e.aqi ? aqiBandOf(e.aqi.aqi) : undefined;
}

/** Marker of an air-quality station: filled with its VN_AQI band colour, the index written on it. */
export function airMarker(e: AirStationState): MarkerLook {
  const band = airBand(e);
  const stale = e.freshness === 'stale';
  const colour = stale ? STALE_COLOUR : (band?.colour ?? NO_AQI_COLOUR);
  const text = e.aqi ? String(e.aqi.aqi) : '–';
  return {
    colour,
    text,
    textColour: readableTextColour(colour),
    stale,
    imageId: `aqi:${colour}:${text}`,
  };
}

/** Alarm-level colours for river gauges: below I, báo động I, II, III. */
export const GAUGE_COLOURS = ['#2E86DE', '#FFD400', '#FF7E00', '#E53935'] as const;

/** Marker of a river gauge: coloured by alarm level; the bar shows the level against I/II/III. */
export interface GaugeLook extends MarkerLook {
  alarmLevel: 0 | 1 | 2 | 3;
  /** Where the water stands on the drawn scale, 0 (bottom) to 1 (top). */
  fill: number;
  /** Alarm thresholds I, II, III on the same scale (empty without thresholds). */
  ticks: number[];
  /** Rain of the last report as the badge shows it (mm, to 0.1); absent when it rounds to 0. */
  rainMm?: number;
}

/**
 * The gauge's drawn scale runs from 1 m below alarm I to 0.5 m above alarm III (or 0–3 m
 * without thresholds): the part of the range an operator reads, with room for a surge.
 */
export function gaugeMarker(e: WaterGaugeState): GaugeLook {
  const stale = e.freshness === 'stale';
  const thresholds = e.alarmThresholdsM;
  const lo = thresholds ? thresholds[0] - 1 : 0;
  const hi = thresholds ? thresholds[2] + 0.5 : 3;
  const at = (m: number) => Math.min(1, Math.max(0, (m - lo) / (hi - lo)));
  const fill = e.levelM === undefined ? 0 : at(e.levelM);
  const ticks = thresholds ? thresholds.map(at) : [];
  const colour = stale ? STALE_COLOUR : GAUGE_COLOURS[e.alarmLevel];
  const cm = e.levelM === undefined ? undefined : Math.round(e.levelM * 100);
  const text = cm === undefined ? '–' : (cm / 100).toFixed(2).replace('.', ',');
  // Rain as the badge draws it (0.1 mm): the raw value would make a new image, and a new
  // texture-atlas entry, for every report of a rainy hour.
  const rain = e.rainMm !== undefined && e.rainMm > 0 ? Math.round(e.rainMm * 10) / 10 : 0;
  return {
    colour,
    text,
    textColour: readableTextColour(colour),
    stale,
    alarmLevel: e.alarmLevel,
    fill,
    ticks,
    ...(rain > 0 ? { rainMm: rain } : {}),
    imageId: `gauge:${colour}:${cm ?? 'x'}:${ticks.map((t) => t.toFixed(3)).join(',')}:${rain || ''}`,
  };
}

/** Rain intensity classes for the gauge's rain badge (mm per reporting interval, ~1 min). */
export function rainClass(mm: number | undefined): 0 | 1 | 2 | 3 {
  if (mm === undefined || mm <= 0) return 0;
  if (mm < 0.2) return 1;
  if (mm < 0.6) return 2;
  return 3;
}
