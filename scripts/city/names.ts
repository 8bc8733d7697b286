/**
 * Vietnamese names for generated streets and public buildings. The street pattern follows
 * local practice: historical figures for old-town and main streets, letter–number codes in the
 * New City (D = dọc, running north–south; N = ngang, east–west), "Đường số n" in industrial parks,
 * and "<former ward> n" / "DX nnn" codes for suburban lanes, as Thủ Dầu Một numbers its lanes.
 * None of the generated streets is claimed to be where the real street of that name is.
 */
import type { Rng } from './rng.js';
import type { ZoneKind } from './zones.js';

export const HISTORICAL_STREET_NAMES: readonly string[] = [
  'Trần Hưng Đạo',
  'Lê Lợi',
  'Nguyễn Trãi',
  'Hai Bà Trưng',
  'Ngô Quyền',
  'Bạch Đằng',
  'Yersin',
  'Cách Mạng Tháng Tám',
  'Phạm Ngọc Thạch',
  'Huỳnh Văn Lũy',
  'Lê Hồng Phong',
  'Nguyễn Du',
  'Quang Trung',
  'Đinh Bộ Lĩnh',
  'Lý Thường Kiệt',
  'Trưng Nữ Vương',
  'Nguyễn Thái Học',
  'Phan Đình Phùng',
  'Đoàn Trần Nghiệp',
  'Nguyễn Văn Tiết',
  'Hùng Vương',
  'Võ Thị Sáu',
  'Nguyễn Đình Chiểu',
  'Lê Thị Trung',
  'Văn Công Khai',
  'Thích Quảng Đức',
  'Nguyễn Văn Cừ',
  'Hoàng Hoa Thám',
  'Trần Bình Trọng',
  'Lê Văn Tám',
  'Nguyễn Tri Phương',
  'Ngô Gia Tự',
  'Phan Bội Châu',
  'Phan Chu Trinh',
  'Điện Biên Phủ',
  '30 Tháng 4',
  'Nguyễn Văn Trỗi',
  'Mạc Đĩnh Chi',
  'Chu Văn An',
  'Lê Thánh Tông',
  'Nguyễn Chí Thanh',
  'Huỳnh Thúc Kháng',
  'Trần Phú',
  'Nguyễn Thị Minh Khai',
  'Nguyễn Đức Thuận',
  'Trần Ngọc Lên',
  'Lê Chí Dân',
  'Nguyễn Văn Linh',
  'Võ Văn Kiệt',
  'Đồng Khởi',
  'Lý Thái Tổ',
  'Lê Lai',
  'Lê Hoàn',
  'Trần Quốc Toản',
  'Nguyễn Huệ',
  'Lê Duẩn',
  'Tôn Đức Thắng',
  'Phú Lợi',
  'Lò Chén',
  'Hồ Văn Cống',
  'Bùi Quốc Khánh',
  'Nguyễn Văn Lên',
  'Đoàn Thị Liên',
  'Nguyễn Tri Phương',
  'Hoàng Văn Thụ',
  'Lê Văn Duyệt',
  'Trương Định',
  'Nguyễn An Ninh',
  'Trần Văn Ơn',
  'Bà Triệu',
];

/**
 * Former (pre-2025) wards that each 2025 ward absorbed, used only to name lanes and small public
 * buildings. The grouping is approximate.
 */
export const FORMER_WARDS: Readonly<Record<string, readonly string[]>> = {
  'Thủ Dầu Một': ['Phú Cường', 'Phú Thọ', 'Chánh Nghĩa', 'Hiệp Thành'],
  'Phú Lợi': ['Phú Lợi', 'Phú Hòa'],
  'Chánh Hiệp': ['Định Hòa', 'Tương Bình Hiệp', 'Chánh Mỹ'],
  'Bình Dương': ['Hòa Phú', 'Phú Mỹ', 'Phú Tân', 'Phú Chánh', 'Hòa Lợi'],
  'Phú An': ['Tân An', 'Hiệp An', 'Phú An'],
};

/** Hands out street names; each name is used for one street (a whole split line) at most once. */
export class StreetNamer {
  private historicalIndex = 0;
  private readonly counters = new Map<string, number>();
  private readonly historical: string[];

  constructor(private readonly rng: Rng) {
    // Shuffled once per seed so a different seed renames the streets, not just moves them.
    this.historical = [...new Set(HISTORICAL_STREET_NAMES)];
    for (let i = this.historical.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [this.historical[i], this.historical[j]] = [this.historical[j]!, this.historical[i]!];
    }
  }

  private count(key: string): number {
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    return n;
  }

  /** A name from the historical list, or null when the list is used up. */
  historicalName(): string | null {
    const name = this.historical[this.historicalIndex];
    if (name === undefined) return null;
    this.historicalIndex++;
    return `Đường ${name}`;
  }

  /**
   * Name for a generated street. `major` streets and old-town streets get historical names while
   * they last; `northSouth` picks D vs N in the New City.
   */
  name(kind: ZoneKind, wardName: string, major: boolean, northSouth: boolean): string {
    if (kind === 'newCity') {
      const prefix = northSouth ? 'D' : 'N';
      return `Đường ${prefix}${this.count(`newCity-${prefix}`)}`;
    }
    if (kind === 'industrial') return `Đường số ${this.count(`industrial-${wardName}`)}`;
    if (major || kind === 'oldCentre') {
      const h = this.historicalName();
      if (h) return h;
    }
    if (kind === 'rural' || this.rng.chance(0.5)) {
      const formers = FORMER_WARDS[wardName] ?? [wardName];
      const former = this.rng.pick(formers);
      return `Đường ${former} ${this.count(`former-${former}`)}`;
    }
    return `Đường DX ${String(this.count('DX')).padStart(3, '0')}`;
  }
}

export type PublicKind = 'school' | 'clinic' | 'pagoda' | 'market' | 'office' | 'culture';

const SCHOOL_PATRONS: readonly string[] = [
  'Nguyễn Du',
  'Lê Quý Đôn',
  'Chu Văn An',
  'Trần Phú',
  'Nguyễn Viết Xuân',
  'Võ Trường Toản',
  'Hùng Vương',
  'Trần Quốc Toản',
  'Kim Đồng',
  'Lê Văn Tám',
  'Nguyễn Bỉnh Khiêm',
  'Phan Bội Châu',
  'Ngô Quyền',
  'Lý Tự Trọng',
  'Võ Thị Sáu',
  'Trương Vĩnh Ký',
  'Nguyễn Thị Minh Khai',
  'Đinh Tiên Hoàng',
];

const PAGODA_NAMES: readonly string[] = [
  'Phước Long',
  'Long Hưng',
  'Thiên Phước',
  'Phước Hưng',
  'Bửu Quang',
  'Giác Ngộ',
  'Linh Sơn',
  'Pháp Hoa',
  'Vạn Phước',
  'Hưng Long',
  'Quan Âm',
  'Long Hòa',
  'Phổ Quang',
  'Tịnh Độ',
];

/** Names small public buildings after their type and the former ward they stand in. */
export class PublicNamer {
  private readonly counters = new Map<string, number>();
  constructor(private readonly rng: Rng) {}

  private next(key: string): number {
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    return n;
  }

  name(kind: PublicKind, wardName: string): string {
    const former = this.rng.pick(FORMER_WARDS[wardName] ?? [wardName]);
    switch (kind) {
      case 'school': {
        const level = this.rng.pick(['Trường Mầm non', 'Trường Tiểu học', 'Trường THCS', 'Trường THPT']);
        const patron = SCHOOL_PATRONS[this.next('school') % SCHOOL_PATRONS.length]!;
        return `${level} ${patron}`;
      }
      case 'clinic':
        return `Trạm Y tế ${former}`;
      case 'pagoda':
        return `Chùa ${PAGODA_NAMES[this.next('pagoda') % PAGODA_NAMES.length]!}`;
      case 'market':
        return `Chợ ${former}`;
      case 'office':
        return `Văn phòng Khu phố ${this.next(`office-${former}`)}, ${former}`;
      case 'culture':
        return `Nhà văn hóa Khu phố ${this.next(`culture-${former}`)}, ${former}`;
    }
  }
}
