import { insetPolygons } from './clipper.js';
import {
  type LocalFrame,
  localFrame,
  type Polygons,
  polygonsArea,
  polygonsBBox,
  toLocalPolygons,
} from './geometry.js';
import type { Parcel } from './parcel.js';

/**
 * The building envelope of a parcel: the parcel inset by its setback (khoảng lùi), extruded to
 * its height limit. What the zoning plan allows, drawn as a translucent volume that a
 * proposal's buildings should stay inside.
 */

export interface EnvelopeOptions {
  /** Metres per storey, for plans that limit storeys (tầng cao) rather than metres. */
  storeyHeightM: number;
  /** Height drawn for a parcel with no height, storey or FAR/coverage limit at all, metres. */
  fallbackHeightM: number;
}

export const ENVELOPE_DEFAULTS: EnvelopeOptions = { storeyHeightM: 3.5, fallbackHeightM: 3.5 };

export interface Envelope {
  parcelId: string;
  /** Tangent plane at the parcel's bbox centre: every local geometry below is on it. */
  frame: LocalFrame;
  parcelLocal: Polygons;
  /** The buildable area, metres on `frame`; empty when the setback leaves nothing. */
  insetLocal: Polygons;
  /** The buildable area in lon/lat degrees (Footprint layout), for meshing. */
  polygons: Polygons;
  areaM2: number;
  envelopeAreaM2: number;
  heightM: number;
  /**
   * Where the height came from: the height limit, storeys × storey height, or — with neither —
   * the storeys FAR ÷ coverage implies (the tallest building that fills the allowed coverage
   * and reaches the allowed FAR), else the fallback.
   */
  heightFrom: 'height' | 'storeys' | 'far' | 'fallback';
}

export function envelopeHeight(
  limits: Parcel['limits'],
  options: EnvelopeOptions = ENVELOPE_DEFAULTS,
): { heightM: number; heightFrom: Envelope['heightFrom'] } {
  if (limits.maxHeightM !== null) return { heightM: limits.maxHeightM, heightFrom: 'height' };
  if (limits.maxStoreys !== null)
    return { heightM: limits.maxStoreys * options.storeyHeightM, heightFrom: 'storeys' };
  if (limits.maxFar !== null && limits.maxCoverage !== null && limits.maxCoverage > 0) {
    const storeys = Math.max(1, Math.ceil(limits.maxFar / limits.maxCoverage - 1e-9));
    return { heightM: storeys * options.storeyHeightM, heightFrom: 'far' };
  }
  return { heightM: options.fallbackHeightM, heightFrom: 'fallback' };
}

export function parcelEnvelope(
  parcel: Pick<Parcel, 'id' | 'polygons' | 'limits'>,
  options: EnvelopeOptions = ENVELOPE_DEFAULTS,
): Envelope {
  const [w, s, e, n] = polygonsBBox(parcel.polygons);
  const frame = localFrame((w + e) / 2, (s + n) / 2);
  const parcelLocal = toLocalPolygons(parcel.polygons, frame);
  const insetLocal = insetPolygons(parcelLocal, parcel.limits.setbackM);
  const polygons = insetLocal.map((rings) =>
    rings.map((ring) => {
      const out = new Array<number>(ring.length);
      for (let i = 0; i < ring.length; i += 2) {
        const [lon, lat] = frame.toLonLat(ring[i]!, ring[i + 1]!);
        out[i] = lon;
        out[i + 1] = lat;
      }
      return out;
    }),
  );
  return {
    parcelId: parcel.id,
    frame,
    parcelLocal,
    insetLocal,
    polygons,
    areaM2: polygonsArea(parcelLocal),
    envelopeAreaM2: polygonsArea(insetLocal),
    ...envelopeHeight(parcel.limits, options),
  };
}
