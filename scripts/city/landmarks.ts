/**
 * Landmarks at real places. Many Kaze bus stops are named after the building beside them
 * ("Tòa nhà Becamex", "Sân vận động Gò Đậu", …); those positions are real (OpenStreetMap), so the
 * landmark is put 30–60 m off the stop, clear of the streets. Footprints and heights are
 * approximations from photos and public descriptions, not surveys.
 */
import type { BuildingForm, PlannedBuilding } from './buildings.js';
import { courtyardRings, lShape, podiumRings } from './forms.js';
import { type Obb, obbCorners } from './geometry.js';
import type { XY } from './projection.js';
import type { Rng } from './rng.js';

export type LandmarkShape =
  | { type: 'rect'; lengthM: number; widthM: number }
  | { type: 'L'; lengthM: number; widthM: number; wingM: number }
  | { type: 'courtyard'; lengthM: number; widthM: number; wingM: number }
  | {
      type: 'podiumTower';
      lengthM: number;
      widthM: number;
      podiumStoreys: number;
      podiumHeightM: number;
      towerLengthM: number;
      towerWidthM: number;
    }
  | { type: 'stadium'; lengthM: number; widthM: number; pitchLengthM: number; pitchWidthM: number }
  | { type: 'twin'; lengthM: number; widthM: number; gapM: number };

export interface LandmarkSpec {
  /** Bus-stop name(s) the landmark is placed beside (aliases: the OSM data has typos). */
  stops?: readonly string[];
  /** Position when no stop is named after it (lon, lat degrees). */
  anchorLonLat?: readonly [number, number];
  name: string;
  use: string;
  storeys: number;
  heightM: number;
  shape: LandmarkShape;
}

/** All sizes and heights approximate. */
export const LANDMARKS: readonly LandmarkSpec[] = [
  {
    stops: ['Tòa nhà Becamex'],
    name: 'Tòa nhà Becamex (Becamex Tower)',
    use: 'TMD',
    storeys: 27,
    heightM: 105,
    shape: {
      type: 'podiumTower',
      lengthM: 70,
      widthM: 52,
      podiumStoreys: 5,
      podiumHeightM: 22,
      towerLengthM: 40,
      towerWidthM: 32,
    },
  },
  {
    // Provincial Administrative Centre: twin 21-storey towers on Lê Lợi, Hòa Phú.
    anchorLonLat: [106.684, 11.056],
    name: 'Trung tâm Hành chính tập trung tỉnh Bình Dương',
    use: 'TSC',
    storeys: 21,
    heightM: 99,
    shape: { type: 'twin', lengthM: 62, widthM: 34, gapM: 40 },
  },
  {
    anchorLonLat: [106.654, 10.9805],
    name: 'Chợ Thủ Dầu Một',
    use: 'DCH',
    storeys: 2,
    heightM: 11,
    shape: { type: 'rect', lengthM: 75, widthM: 45 },
  },
  {
    stops: ['Sân vận động Gò Đậu'],
    name: 'Sân vận động Gò Đậu',
    use: 'DTT',
    storeys: 3,
    heightM: 20,
    shape: { type: 'stadium', lengthM: 185, widthM: 145, pitchLengthM: 118, pitchWidthM: 80 },
  },
  {
    stops: ['Bến xe khách tỉnh Bình Dương'],
    name: 'Bến xe khách tỉnh Bình Dương',
    use: 'DGT',
    storeys: 2,
    heightM: 11,
    shape: { type: 'rect', lengthM: 90, widthM: 28 },
  },
  {
    stops: ['Nhà sách Bình Minh'],
    name: 'Nhà sách Bình Minh',
    use: 'TMD',
    storeys: 3,
    heightM: 12.5,
    shape: { type: 'rect', lengthM: 25, widthM: 20 },
  },
  {
    stops: ['Chùa Bà Thiên Hậu'],
    name: 'Chùa Bà Thiên Hậu',
    use: 'TON',
    storeys: 1,
    heightM: 11,
    shape: { type: 'rect', lengthM: 40, widthM: 28 },
  },
  {
    stops: ['Bệnh viện Phụ sản Nhi Bình Dương'],
    name: 'Bệnh viện Phụ sản Nhi Bình Dương',
    use: 'DYT',
    storeys: 9,
    heightM: 36,
    shape: { type: 'L', lengthM: 90, widthM: 60, wingM: 22 },
  },
  {
    stops: ['Chợ Cây Dừa'],
    name: 'Chợ Cây Dừa',
    use: 'DCH',
    storeys: 2,
    heightM: 10,
    shape: { type: 'rect', lengthM: 60, widthM: 45 },
  },
  {
    stops: ['Công an phường Hiệp Thành'],
    name: 'Công an phường Hiệp Thành',
    use: 'CAN',
    storeys: 4,
    heightM: 16,
    shape: { type: 'rect', lengthM: 32, widthM: 16 },
  },
  {
    stops: ['Thư viện tỉnh Bình Dương'],
    name: 'Thư viện tỉnh Bình Dương',
    use: 'DVH',
    storeys: 5,
    heightM: 24,
    shape: { type: 'rect', lengthM: 55, widthM: 40 },
  },
  {
    stops: ['Bệnh viện Đa khoa tỉnh Bình Dương'],
    name: 'Bệnh viện Đa khoa tỉnh Bình Dương',
    use: 'DYT',
    storeys: 11,
    heightM: 45,
    shape: { type: 'L', lengthM: 110, widthM: 70, wingM: 24 },
  },
  {
    stops: ['Trường Tiểu học Petrus Ký'],
    name: 'Trường Tiểu học Petrus Ký',
    use: 'DGD',
    storeys: 3,
    heightM: 13,
    shape: { type: 'courtyard', lengthM: 70, widthM: 50, wingM: 12 },
  },
  {
    stops: ['Trung tâm VHTT TP Thủ Dầu Một'],
    name: 'Trung tâm Văn hóa Thông tin Thủ Dầu Một',
    use: 'DVH',
    storeys: 3,
    heightM: 15,
    shape: { type: 'rect', lengthM: 50, widthM: 35 },
  },
  {
    stops: ['Lucky Square', 'Luky Square'],
    name: 'Lucky Square',
    use: 'TMD',
    storeys: 5,
    heightM: 24,
    shape: { type: 'rect', lengthM: 90, widthM: 60 },
  },
  {
    stops: ['Khách sạn Becamex New City'],
    name: 'Khách sạn Becamex New City',
    use: 'TMD',
    storeys: 18,
    heightM: 68,
    shape: {
      type: 'podiumTower',
      lengthM: 60,
      widthM: 45,
      podiumStoreys: 4,
      podiumHeightM: 18,
      towerLengthM: 42,
      towerWidthM: 20,
    },
  },
  {
    stops: ['Bảo hiểm xã hội Thành phố mới'],
    name: 'Bảo hiểm xã hội Thành phố mới',
    use: 'TSC',
    storeys: 5,
    heightM: 21,
    shape: { type: 'rect', lengthM: 40, widthM: 20 },
  },
  {
    stops: ['Sora garden'],
    name: 'Sora Gardens',
    use: 'ODT',
    storeys: 24,
    heightM: 84,
    shape: { type: 'L', lengthM: 60, widthM: 42, wingM: 20 },
  },
  {
    stops: ['Trường Ngô Thời Nhiệm'],
    name: 'Trường Ngô Thời Nhiệm',
    use: 'DGD',
    storeys: 4,
    heightM: 16,
    shape: { type: 'courtyard', lengthM: 60, widthM: 45, wingM: 12 },
  },
  {
    stops: ['Eastern International University'],
    name: 'Trường Đại học Quốc tế Miền Đông (EIU)',
    use: 'DGD',
    storeys: 7,
    heightM: 30,
    shape: { type: 'L', lengthM: 120, widthM: 70, wingM: 22 },
  },
  {
    stops: ['Chùa Hội An'],
    name: 'Chùa Hội An',
    use: 'TON',
    storeys: 1,
    heightM: 12,
    shape: { type: 'rect', lengthM: 35, widthM: 25 },
  },
  {
    stops: ['UBND phường Phú Thọ'],
    name: 'UBND phường Phú Thọ (cũ)',
    use: 'TSC',
    storeys: 4,
    heightM: 16,
    shape: { type: 'rect', lengthM: 40, widthM: 18 },
  },
  {
    stops: ['Trường CĐ Y tế Bình Dương'],
    name: 'Trường Cao đẳng Y tế Bình Dương',
    use: 'DGD',
    storeys: 5,
    heightM: 20,
    shape: { type: 'L', lengthM: 80, widthM: 50, wingM: 16 },
  },
  {
    stops: ['Trường THCS Phú Hòa'],
    name: 'Trường THCS Phú Hòa',
    use: 'DGD',
    storeys: 3,
    heightM: 13,
    shape: { type: 'courtyard', lengthM: 60, widthM: 45, wingM: 12 },
  },
  {
    stops: ['Bảo hiểm xã hội tỉnh Bình Dương'],
    name: 'Bảo hiểm xã hội tỉnh Bình Dương',
    use: 'TSC',
    storeys: 7,
    heightM: 28,
    shape: { type: 'rect', lengthM: 45, widthM: 22 },
  },
  {
    stops: ['Cục thống kê Bình Dương'],
    name: 'Cục Thống kê tỉnh Bình Dương',
    use: 'TSC',
    storeys: 5,
    heightM: 20,
    shape: { type: 'rect', lengthM: 35, widthM: 18 },
  },
  {
    stops: ['Trung tâm VHTT phường Phú Lợi'],
    name: 'Trung tâm Văn hóa Thông tin phường Phú Lợi',
    use: 'DVH',
    storeys: 2,
    heightM: 10,
    shape: { type: 'rect', lengthM: 35, widthM: 22 },
  },
  {
    stops: ['UBND phường Phú Mỹ'],
    name: 'UBND phường Phú Mỹ (cũ)',
    use: 'TSC',
    storeys: 3,
    heightM: 13,
    shape: { type: 'rect', lengthM: 35, widthM: 16 },
  },
  {
    stops: ['Phòng khám Đa khoa Khu vực Phú Mỹ'],
    name: 'Phòng khám Đa khoa Khu vực Phú Mỹ',
    use: 'DYT',
    storeys: 3,
    heightM: 13,
    shape: { type: 'rect', lengthM: 40, widthM: 18 },
  },
  {
    stops: ['Trường Quốc tế Kinder World'],
    name: 'Trường Quốc tế Kinder World',
    use: 'DGD',
    storeys: 3,
    heightM: 13,
    shape: { type: 'courtyard', lengthM: 60, widthM: 40, wingM: 11 },
  },
  {
    stops: ['Chợ Hòa Lợi'],
    name: 'Chợ Hòa Lợi',
    use: 'DCH',
    storeys: 2,
    heightM: 9,
    shape: { type: 'rect', lengthM: 55, widthM: 40 },
  },
  {
    stops: ['Nhà ở An sinh xã hội Hòa Lợi'],
    name: 'Nhà ở An sinh xã hội Hòa Lợi',
    use: 'ODT',
    storeys: 5,
    heightM: 18,
    shape: { type: 'courtyard', lengthM: 70, widthM: 50, wingM: 14 },
  },
  {
    stops: ['Chợ Phú Chánh'],
    name: 'Chợ Phú Chánh',
    use: 'DCH',
    storeys: 2,
    heightM: 9,
    shape: { type: 'rect', lengthM: 50, widthM: 35 },
  },
  {
    stops: ['Trường Nguyễn Khuyến'],
    name: 'Trường Nguyễn Khuyến',
    use: 'DGD',
    storeys: 4,
    heightM: 16,
    shape: { type: 'courtyard', lengthM: 70, widthM: 50, wingM: 12 },
  },
];

/** A landmark's collision rectangles and output buildings, for a given centre and angle. */
export function landmarkGeometry(
  spec: LandmarkSpec,
  centre: XY,
  angleRad: number,
  wardIndex: number,
): { shapes: Obb[]; buildings: PlannedBuilding[] } {
  const s = spec.shape;
  const box: Obb = {
    cxM: centre[0],
    cyM: centre[1],
    halfLengthM: s.lengthM / 2,
    halfWidthM: s.widthM / 2,
    angleRad,
  };
  const make = (polygons: XY[][][], storeys = spec.storeys, heightM = spec.heightM, name = spec.name) => {
    const form: BuildingForm = 'landmark';
    return { wardIndex, polygons, form, storeys, heightM, use: spec.use, name };
  };
  switch (s.type) {
    case 'rect':
      return { shapes: [box], buildings: [make([[obbCorners(box)]])] };
    case 'L': {
      const { ring, shapes } = lShape(box, s.wingM);
      return { shapes, buildings: [make([[ring]])] };
    }
    case 'courtyard':
      return { shapes: [box], buildings: [make([courtyardRings(box, s.wingM)])] };
    case 'podiumTower': {
      const tower: Obb = { ...box, halfLengthM: s.towerLengthM / 2, halfWidthM: s.towerWidthM / 2 };
      return {
        shapes: [box],
        buildings: [
          make([podiumRings(box, tower)], s.podiumStoreys, s.podiumHeightM, `${spec.name} – khối đế`),
          make([[obbCorners(tower)]]),
        ],
      };
    }
    case 'stadium': {
      // Stands as an elliptical ring around the pitch (a polygon with a hole).
      const ellipse = (rx: number, ry: number, n: number): XY[] => {
        const c = Math.cos(angleRad);
        const sn = Math.sin(angleRad);
        const pts: XY[] = [];
        for (let i = 0; i < n; i++) {
          const a = (2 * Math.PI * i) / n;
          const x = rx * Math.cos(a);
          const y = ry * Math.sin(a);
          pts.push([centre[0] + x * c - y * sn, centre[1] + x * sn + y * c]);
        }
        return pts;
      };
      const outer = ellipse(s.lengthM / 2, s.widthM / 2, 48);
      const pitch = ellipse(s.pitchLengthM / 2, s.pitchWidthM / 2, 48).reverse();
      return { shapes: [box], buildings: [make([[outer, pitch]])] };
    }
    case 'twin': {
      const c = Math.cos(angleRad);
      const sn = Math.sin(angleRad);
      const off = (s.widthM + s.gapM) / 2;
      const towers: Obb[] = [-1, 1].map((k) => ({
        cxM: centre[0] - k * off * sn,
        cyM: centre[1] + k * off * c,
        halfLengthM: s.lengthM / 2,
        halfWidthM: s.widthM / 2,
        angleRad,
      }));
      return { shapes: towers, buildings: [make(towers.map((t) => [obbCorners(t)]))] };
    }
  }
}

export interface BusStop {
  name: string;
  position: XY;
}

/** Mean position of the stops carrying any of the names (stops come in pairs, one per side). */
export function stopPosition(spec: LandmarkSpec, stops: readonly BusStop[]): XY | null {
  const names = new Set(spec.stops ?? []);
  const hits = stops.filter((s) => names.has(s.name));
  if (hits.length === 0) return null;
  let x = 0;
  let y = 0;
  for (const h of hits) {
    x += h.position[0];
    y += h.position[1];
  }
  return [x / hits.length, y / hits.length];
}

/**
 * Finds a spot for a landmark near its reference point: in eight directions (starting from a
 * random one), at gaps of `gapsM` between the point and the footprint's edge. `fits` decides.
 */
export function placeLandmark(
  spec: LandmarkSpec,
  ref: XY,
  angleRad: number,
  gapsM: readonly number[],
  rng: Rng,
  fits: (shapes: Obb[], centre: XY) => number,
): { shapes: Obb[]; buildings: PlannedBuilding[] } | null {
  const start = rng.int(0, 7);
  const hl = spec.shape.lengthM / 2;
  const hw = spec.shape.widthM / 2;
  const c = Math.cos(angleRad);
  const s = Math.sin(angleRad);
  for (const gap of gapsM) {
    for (let k = 0; k < 8; k++) {
      const a = angleRad + ((start + k) * Math.PI) / 4;
      const dx = Math.cos(a);
      const dy = Math.sin(a);
      // Support distance of the footprint's rectangle in this direction.
      const extent = gap === 0 ? 0 : hl * Math.abs(dx * c + dy * s) + hw * Math.abs(-dx * s + dy * c);
      const centre: XY = [ref[0] + dx * (gap + extent), ref[1] + dy * (gap + extent)];
      const probe = landmarkGeometry(spec, centre, angleRad, 0);
      const wardIndex = fits(probe.shapes, centre);
      if (wardIndex >= 0) return landmarkGeometry(spec, centre, angleRad, wardIndex);
      if (gap === 0) break;
    }
  }
  return null;
}
