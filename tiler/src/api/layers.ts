/**
 * The layer list served at `GET /api/layers` (contract: extend, don't break).
 *
 * `url` is absolute on the service (e.g. `/data/buildings/tileset.json`) and points to a
 * 3D Tiles `tileset.json`, a quantized-mesh `layer.json` or a GeoJSON file, depending on `kind`.
 */
export type LayerKind = 'buildings' | 'terrain' | 'boundaries' | 'roads' | 'points';

export interface LayerInfo {
  /** Stable identifier, e.g. `buildings`. */
  id: string;
  kind: LayerKind;
  /** Human title (Vietnamese first). */
  title: string;
  /** Where the viewer fetches the layer from. */
  url: string;
  /** Source and licence line the viewer must show while the layer is on screen (ODbL, CC-BY-SA…). */
  attribution?: string;
  /** English title and attribution, where the data has them (the viewer's English UI; it falls
   *  back to `title` / `attribution`). */
  en?: LayerEnglish;
}

export interface LayerEnglish {
  title?: string;
  attribution?: string;
}

/**
 * One entry of a data folder's `layers.json` manifest, as written by the demo build
 * and read by `bdtwin serve`. `path` is relative to the data folder.
 */
export interface LayerManifestEntry {
  id: string;
  kind: LayerKind;
  title: string;
  path: string;
  attribution?: string;
  en?: LayerEnglish;
  /**
   * Who may see the layer and fetch its files: `public` (default), `planner`, `operator` or
   * `admin` (docs/security.md). Enforced by the service on `/api/layers` and on every `/data/` file.
   */
  visibility?: 'public' | 'planner' | 'operator' | 'admin';
}
