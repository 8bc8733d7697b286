/**
 * Urban-form zones: which kind of city each point of the five wards is. The ward a point lies
 * in gives its base form; a few named districts (old town, New City, industrial parks) override
 * it. District outlines are hand-drawn approximations from public maps, not surveyed limits.
 */
import { pointInRing } from './geometry.js';
import type { Projection, XY } from './projection.js';

export type ZoneKind = 'oldCentre' | 'urban' | 'suburban' | 'newCity' | 'industrial' | 'rural';

export const ZONE_KINDS: readonly ZoneKind[] = [
  'oldCentre',
  'urban',
  'suburban',
  'newCity',
  'industrial',
  'rural',
];

/** Base urban form of each 2025 ward (by name, as in the ward GeoJSON). */
export const WARD_BASE_KIND: Readonly<Record<string, ZoneKind>> = {
  // Former Phú Cường / Phú Thọ / Chánh Nghĩa / Hiệp Thành: the built-up city.
  'Thủ Dầu Một': 'urban',
  // Former Phú Hòa / Phú Lợi: dense residential quarters east of Đại lộ Bình Dương.
  'Phú Lợi': 'urban',
  // Former Định Hòa / Tương Bình Hiệp / Chánh Mỹ: newer, looser suburbs.
  'Chánh Hiệp': 'suburban',
  // Former Hòa Phú / Phú Mỹ / Phú Tân: suburbs around the New City and VSIP II.
  'Bình Dương': 'suburban',
  // Former Tân An / Hiệp An: Sài Gòn river valley, orchards and villages.
  'Phú An': 'rural',
};

/** Named districts that override the ward's base form, in priority order. */
export interface District {
  name: string;
  kind: ZoneKind;
  /** Outline in lon/lat degrees (approximate). Either this or a circle. */
  outlineLonLat?: readonly XY[];
  circle?: { lonDeg: number; latDeg: number; radiusM: number };
}

export const DISTRICTS: readonly District[] = [
  // Phú Cường: the market, Chùa Bà Thiên Hậu and the shophouse grid between the Sài Gòn river
  // and Đại lộ Bình Dương, centred near Chợ Thủ Dầu Một.
  {
    name: 'Phú Cường (phố cổ)',
    kind: 'oldCentre',
    circle: { lonDeg: 106.6555, latDeg: 10.9805, radiusM: 850 },
  },
  // Bình Dương New City (Thành phố mới, Hòa Phú), around the Administrative Centre.
  {
    name: 'Thành phố mới Bình Dương',
    kind: 'newCity',
    outlineLonLat: [
      [106.664, 11.038],
      [106.699, 11.038],
      [106.704, 11.069],
      [106.668, 11.069],
    ],
  },
  // VSIP II industrial park, north of the New City (bus stops "VISIP 2 …" lie inside).
  {
    name: 'KCN VSIP II',
    kind: 'industrial',
    outlineLonLat: [
      [106.677, 11.077],
      [106.725, 11.077],
      [106.725, 11.115],
      [106.677, 11.115],
    ],
  },
  // Đại Đăng and Kim Huy industrial parks (Phú Tân); extent approximate.
  {
    name: 'KCN Đại Đăng / Kim Huy',
    kind: 'industrial',
    outlineLonLat: [
      [106.63, 11.03],
      [106.66, 11.03],
      [106.66, 11.05],
      [106.63, 11.05],
    ],
  },
];

export interface ZoneClassifier {
  /** Zone kind at a local point lying in the given ward. */
  kindAt(xM: number, yM: number, wardName: string): ZoneKind;
  /** Name of the district containing the point, or null. */
  districtAt(xM: number, yM: number): string | null;
}

export function createZoneClassifier(projection: Projection): ZoneClassifier {
  const shapes = DISTRICTS.map((d) => ({
    district: d,
    ring: d.outlineLonLat?.map(([lon, lat]) => projection.toLocal(lon, lat)) ?? null,
    centre: d.circle ? projection.toLocal(d.circle.lonDeg, d.circle.latDeg) : null,
  }));
  const find = (xM: number, yM: number) => {
    for (const s of shapes) {
      if (s.ring && pointInRing(xM, yM, s.ring)) return s.district;
      if (s.centre && s.district.circle) {
        if (Math.hypot(xM - s.centre[0], yM - s.centre[1]) <= s.district.circle.radiusM) return s.district;
      }
    }
    return null;
  };
  return {
    kindAt: (xM, yM, wardName) => find(xM, yM)?.kind ?? WARD_BASE_KIND[wardName] ?? 'suburban',
    districtAt: (xM, yM) => find(xM, yM)?.name ?? null,
  };
}

/** Street-grid parameters per zone. */
export interface ZoneStreetParams {
  /** Block edge length range (centre line to centre line), metres. */
  blockMinM: number;
  blockMaxM: number;
  /** Chance that a block at most twice the maximum is left undivided (a superblock). */
  superblockChance: number;
  /** Chance that a minor street segment between two crossings is left out. */
  dropChance: number;
}

export const ZONE_STREETS: Readonly<Record<ZoneKind, ZoneStreetParams>> = {
  // Old Phú Cường: short blocks of the French-era grid.
  oldCentre: { blockMinM: 60, blockMaxM: 120, superblockChance: 0.03, dropChance: 0.03 },
  urban: { blockMinM: 100, blockMaxM: 180, superblockChance: 0.06, dropChance: 0.06 },
  suburban: { blockMinM: 120, blockMaxM: 200, superblockChance: 0.1, dropChance: 0.1 },
  // New City: wide boulevards enclosing 200–300 m superblocks.
  newCity: { blockMinM: 200, blockMaxM: 300, superblockChance: 0.08, dropChance: 0.03 },
  industrial: { blockMinM: 250, blockMaxM: 400, superblockChance: 0.1, dropChance: 0.05 },
  // Villages along lanes between orchards and fields.
  rural: { blockMinM: 180, blockMaxM: 350, superblockChance: 0.15, dropChance: 0.15 },
};

/**
 * Target buildings per km² of each zone. The five wards really hold well over 100,000 buildings;
 * the demo must stay under 60,000 for the browser. The old town, the part leaders and visitors
 * look at first, is kept close to its real density; elsewhere blocks are developed in clusters
 * (near main roads first, see generate.ts) until the zone reaches its target, so the suburbs
 * read as built-up quarters amid vacant land, which is how much of Bình Dương looks today.
 */
export const ZONE_TARGET_BUILDINGS_PER_KM2: Readonly<Record<ZoneKind, number>> = {
  oldCentre: 4500,
  urban: 560,
  suburban: 230,
  newCity: 250,
  industrial: 45,
  rural: 120,
};

/**
 * Street-grid orientation per ward, degrees from east. Local streets run parallel or square to
 * the main road through the ward: Đại lộ Bình Dương in Thủ Dầu Một, Lê Hồng Phong / Huỳnh Văn
 * Lũy in Phú Lợi, QL13 running north in Chánh Hiệp and Phú An, and the Hùng Vương axis of the
 * New City in Bình Dương ward. Read off the bus-stop sequences; approximate.
 */
export const WARD_GRID_ANGLE_DEG: Readonly<Record<string, number>> = {
  'Thủ Dầu Một': 37,
  'Phú Lợi': 10,
  'Chánh Hiệp': 2,
  'Bình Dương': 59,
  'Phú An': 6,
};
