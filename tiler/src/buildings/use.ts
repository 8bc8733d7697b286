import { CADASTRAL_LAND_USE } from '../api/landuse.js';

/**
 * A building's land use as a cadastral code (mã loại đất), which drives the default height and
 * the viewer's colours: the explicit use attribute when it is a code, else what OSM's
 * `building=*` (or `landuse=*`) word means in cadastral terms. The table is repeated in
 * docs/repair.md; keep them together.
 */
export const OSM_BUILDING_USE: Readonly<Record<string, string>> = {
  // Urban residential (ODT): the city is urban; rural data should carry its own ONT codes.
  residential: 'ODT',
  house: 'ODT',
  detached: 'ODT',
  semidetached_house: 'ODT',
  terrace: 'ODT',
  apartments: 'ODT',
  dormitory: 'ODT',
  bungalow: 'ODT',
  // Commerce and services
  commercial: 'TMD',
  retail: 'TMD',
  office: 'TMD',
  hotel: 'TMD',
  supermarket: 'TMD',
  kiosk: 'TMD',
  restaurant: 'TMD',
  // Non-agricultural production
  industrial: 'SKC',
  warehouse: 'SKC',
  factory: 'SKC',
  manufacture: 'SKC',
  // Education
  school: 'DGD',
  university: 'DGD',
  college: 'DGD',
  kindergarten: 'DGD',
  // Health
  hospital: 'DYT',
  clinic: 'DYT',
  // Religion (tôn giáo)
  church: 'TON',
  cathedral: 'TON',
  chapel: 'TON',
  temple: 'TON',
  pagoda: 'TON',
  mosque: 'TON',
  monastery: 'TON',
  religious: 'TON',
  // Government offices
  government: 'TSC',
  public: 'TSC',
  civic: 'TSC',
  townhall: 'TSC',
  // Sports, markets
  sports_hall: 'DTT',
  stadium: 'DTT',
  market: 'DCH',
};

/**
 * The cadastral code for a feature: `use` when it is a known code (any case: `odt` → `ODT`),
 * else the code for an OSM word in `use` (`landuse=retail`) or in `building`; an unknown
 * explicit use is kept as written (the viewer shows it); '' when nothing is known.
 * `building=yes` says nothing about use.
 */
export function resolveUse(use: string, building: string): string {
  if (use !== '') {
    const upper = use.toUpperCase();
    if (Object.hasOwn(CADASTRAL_LAND_USE, upper)) return upper;
    return osmWordUse(use) ?? use;
  }
  return building === '' ? '' : (osmWordUse(building) ?? '');
}

/** Own keys only: a building tagged `constructor` must not find Object.prototype's. */
function osmWordUse(word: string): string | undefined {
  const key = word.toLowerCase();
  return Object.hasOwn(OSM_BUILDING_USE, key) ? OSM_BUILDING_USE[key] : undefined;
}
