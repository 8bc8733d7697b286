import { PLANNING_LAND_USE_BY_CODE, type PlanningLandUse } from '../api/planning.js';

/**
 * Land-use category of a zoning parcel → the QHPK 1:2,000 symbol of Circular 16/2025/TT-BXD
 * (`data/landuse/vn_planning_landuse_categories_tt16_2025.csv`). Plans and GIS layers write the
 * same category several ways: the symbol (`NO`, `CXCC`, `ĐT-NC`), the circular's layer code
 * (`DAT_O_NHOMNHAO`), the QHC 1:10,000 symbol (`DVO`) or the pattern key (`O-NO`).
 */

/** Alternative spellings → symbol, from the CSV's layer-code and QHC columns. */
const ALIASES: Readonly<Record<string, string>> = {
  DVO: 'NO',
  ONO: 'NO',
  DAT_O_NHOMNHAO: 'NO',
  DAT_DD_DONVIO: 'NO',
  OHH: 'HH',
  DAT_O_HONHOP_NHOMO: 'HH',
  DAT_O_HONHOP: 'HH',
  DAT_DD_HONHOP: 'HH',
  OLX: 'LX',
  DCNT: 'LX',
  DAT_O_LANGXOM: 'LX',
  DAT_NDD_DANCUNT: 'LX',
  DAT_HTXH_YTE: 'YT',
  DAT_NDD_YTE: 'YT',
  DAT_HTXH_VANHOA: 'VH',
  VHTT: 'TDTT',
  DAT_HTXH_THEDUCTHETHAO: 'TDTT',
  DAT_NDD_VANHOATHETHAO: 'TDTT',
  DAT_HTXH_TRUONGTHPT: 'GD',
  DAT_HTXH_TRUONGHOC: 'GD',
  DAT_HTXH_CAYXANHCC: 'CXCC',
  DAT_DD_CAYXANHCCDOTHI: 'CXCC',
  DAT_CAYXANHHANCHE: 'CXHC',
  DAT_NDD_CAYXANHSDHC: 'CXHC',
  DAT_CAYXANHCHUYENDUNG: 'CXCD',
  DAT_NDD_CAYXANHCD: 'CXCD',
  CN: 'SX',
  DAT_SX_CONGNGHIEP: 'SX',
  DAT_NDD_CONGNGHIEP: 'SX',
  DAT_SX_VATLIEU: 'KS',
  DAT_DAOTAONC: 'DTNC',
  DAT_NDD_DAOTAO: 'DTNC',
  DAT_COQUAN: 'CQ',
  DAT_DD_COQUANDOTHI: 'CQ',
  DAT_NDD_COQUAN: 'CQ',
  CQN: 'CQ',
  DVCC: 'DV',
  DAT_DICHVU: 'DV',
  DAT_DD_DVCCDOTHI: 'DV',
  DAT_DULICH: 'DL',
  DAT_NDD_DULICH: 'DL',
  DAT_DITICH_TONGIAO: 'DTTG',
  DAT_DITICHTONGIAO: 'DTTG',
  DAT_NDD_DITICH: 'DTTG',
  DAT_ANNINH: 'AN',
  DAT_NDD_ANNINH: 'AN',
  DAT_QUOCPHONG: 'QP',
  DAT_NDD_QUOCPHONG: 'QP',
  DAT_HTKT_DUONGGT: 'GT',
  DAT_NDD_GIAOTHONGDN: 'GT',
  DAT_DD_GIAOTHONGDOTHI: 'GT',
  GTDN: 'GT',
  DAT_HTKT_BAIDOXE: 'BDX',
  DAT_HTKT_NGHIATRANG: 'NTR',
  HTKT: 'HTK',
  DAT_HTKT_HATANGKHAC: 'HTK',
  DAT_HTKT_HTKTKHAC: 'HTK',
  DAT_HTKT_KHAC: 'HTK',
  DAT_NDD_HTKHACDOINGOAI: 'HTK',
  DAT_NN_NONGNGHIEP: 'NN',
  DAT_NN_RUNGSANXUAT: 'RSX',
  DAT_NN_RUNGPHONGHO: 'RPH',
  DAT_NN_RUNGDACDUNG: 'RDD',
  DAT_NN_THUYSAN: 'TS',
  DAT_KHAC_CHUASUDUNG: 'CSD',
  DAT_KHAC_HONUOC: 'HO',
  DAT_KHAC_SONGSUOI: 'SS',
  DAT_KHAC_MATNUOCBIEN: 'MNB',
};

/** The symbol for a written category, or undefined when it is not one the circular knows. */
export function planningLandUse(value: string): PlanningLandUse | undefined {
  const upper = value.trim().toUpperCase().replace(/Đ/g, 'D');
  const direct = PLANNING_LAND_USE_BY_CODE[upper] ?? PLANNING_LAND_USE_BY_CODE[ALIASES[upper] ?? ''];
  if (direct) return direct;
  // `ĐT-NC`, `O-NO`, `VH TT`: without separators.
  const bare = upper.replace(/[\s\-.]/g, '');
  return PLANNING_LAND_USE_BY_CODE[bare] ?? PLANNING_LAND_USE_BY_CODE[ALIASES[bare] ?? ''];
}

/** Whether the category is green space (cây xanh, forest) for the green-space share. */
export function isGreenLandUse(code: string): boolean {
  return PLANNING_LAND_USE_BY_CODE[code]?.group === 'green';
}
