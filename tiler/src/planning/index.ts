/**
 * Planning scenarios (docs/planning.md): zoning parcels and proposals in, envelopes, metrics,
 * sun hours and `GET /api/scenarios` out.
 */
export { areaOutsideM2, insetPolygons } from './clipper.js';
export {
  ENVELOPE_DEFAULTS,
  type Envelope,
  type EnvelopeOptions,
  envelopeHeight,
  parcelEnvelope,
} from './envelope.js';
export {
  ENVELOPE_SCHEMA,
  ENVELOPE_TILES_DEFAULTS,
  envelopeProperties,
  writeEnvelopeTileset,
} from './envelope-tiles.js';
export { isGreenLandUse, planningLandUse } from './landuse.js';
export {
  type LayerRef,
  loadManifest,
  manifestProblems,
  PLAN_MANIFEST_SCHEMA,
  type PlanManifest,
} from './manifest.js';
export {
  computeMetrics,
  METRICS_DEFAULTS,
  type MetricsOptions,
  type PlanBuilding,
  storeysOf,
} from './metrics.js';
export { effectiveLimits, PARCEL_ATTRIBUTES, type Parcel, parcelFromFeature } from './parcel.js';
export { buildPlan, type PlanOptions, type PlanReport, type PlanTerrain } from './plan.js';
export { readParcels } from './read-parcels.js';
export { listScenarios, registerScenarioRoutes, SCENARIOS_DIR, SCENARIOS_INDEX } from './routes.js';
export { sunDay, sunDirection } from './sun.js';
export { castersNear, SUN_HOURS_DEFAULTS, type SunHoursOptions, sunHoursGrid } from './sun-hours.js';
