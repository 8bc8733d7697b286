export * from './api/index.js';
export { extrudeFootprint, extrudeRings } from './buildings/extrude.js';
export type { Footprint, Rejection } from './buildings/footprint.js';
export { normaliseFeature } from './buildings/normalise.js';
export { InputError } from './errors.js';
export { startServer } from './serve/server.js';
export {
  RejectedFeaturesError,
  TILE_DEFAULTS,
  type TileOptions,
  type TileReport,
  tileBuildings,
} from './tile.js';
