/** Contracts shared with the tiler/service (browser-safe, no Node imports). */
export {
  BUILDING_CLASS,
  BUILDING_PROPERTY_IDS,
  type BuildingProperties,
  CADASTRAL_LAND_USE,
  type LayerInfo,
  type LayerKind,
} from '../../tiler/src/api/index.js';
