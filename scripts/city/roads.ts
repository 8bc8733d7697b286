/**
 * Road classes and their cross-sections. The corridor a building must stay out of is the
 * carriageway (lanes × 3.5 m, the Vietnamese standard lane width, TCVN 4054/TCXDVN 104) plus a
 * sidewalk on each side sized to the class.
 */
import type { XY } from './projection.js';
import type { ZoneKind } from './zones.js';

export type RoadClass = 'trunk' | 'primary' | 'secondary' | 'tertiary' | 'residential' | 'service';

export const ROAD_SOURCE_GENERATED = 'generated';
export const ROAD_SOURCE_NATIONAL = 'vn_national_roads (CC-BY-SA-4.0)';
export type RoadSource = typeof ROAD_SOURCE_GENERATED | typeof ROAD_SOURCE_NATIONAL;

export const LANE_WIDTH_M = 3.5;

export interface RoadClassParams {
  /** Sidewalk (vỉa hè) width on each side, metres. */
  sidewalkM: number;
  /** Posted speed, km/h: urban limits of Circular 31/2019/TT-BGTVT, 30 on residential lanes. */
  maxspeedKmh: number;
}

export const ROAD_CLASS_PARAMS: Readonly<Record<RoadClass, RoadClassParams>> = {
  trunk: { sidewalkM: 6, maxspeedKmh: 60 },
  primary: { sidewalkM: 5, maxspeedKmh: 60 },
  secondary: { sidewalkM: 4, maxspeedKmh: 50 },
  tertiary: { sidewalkM: 3, maxspeedKmh: 40 },
  residential: { sidewalkM: 2, maxspeedKmh: 30 },
  service: { sidewalkM: 1.5, maxspeedKmh: 30 },
};

/** Half of the building-free corridor: half the carriageway plus one sidewalk. */
export function roadHalfWidthM(roadClass: RoadClass, lanes: number): number {
  return (lanes * LANE_WIDTH_M) / 2 + ROAD_CLASS_PARAMS[roadClass].sidewalkM;
}

export interface RoadAttributes {
  name: string;
  roadClass: RoadClass;
  /** Total lanes, both directions. */
  lanes: number;
  oneway: boolean;
  maxspeedKmh: number;
  source: RoadSource;
  /** Zone the street was laid out for; decides how likely a minor segment is left out. */
  kind: ZoneKind;
}

/** A street before noding: a polyline in local metres. */
export interface RoadLine extends RoadAttributes {
  points: XY[];
}

/** A street segment between two intersections (or an intersection and a dead end). */
export interface RoadEdge extends RoadAttributes {
  points: XY[];
  fromNode: number;
  toNode: number;
  halfWidthM: number;
}
