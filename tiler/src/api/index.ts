/**
 * Contracts shared by the service and the viewer. Browser-safe: no Node imports here.
 */
export * from './buildings.js';
export * from './catalog.js';
export * from './feeds.js';
export * from './kiosk.js';
export * from './landuse.js';
export * from './layers.js';
export * from './planning.js';
