// Minimal types for the part of vt-pbf (3.x, CommonJS, no types of its own) we call: encoding the
// tiles geojson-vt cuts as Mapbox Vector Tile protobufs (tiler/src/catalog/vector-tiles.ts).
declare module 'vt-pbf' {
  /** A feature as geojson-vt's `getTile` returns it: rings of [x, y] in tile units, closed. */
  export interface GeojsonVtFeature {
    /** 1 point, 2 line, 3 polygon. */
    type: 1 | 2 | 3;
    geometry: [number, number][] | [number, number][][];
    tags: Record<string, unknown> | null;
    /** Written as the MVT feature id only when a number. */
    id?: number | string;
  }
  export interface GeojsonVtTile {
    features: readonly GeojsonVtFeature[];
  }
  const vtPbf: {
    /**
     * Encodes `layers` (source-layer name → tile) as one uncompressed MVT protobuf. `version`
     * defaults to 1 (write 2), `extent` to 4096 (must be the extent the tiles were cut with).
     */
    fromGeojsonVt(
      layers: Record<string, GeojsonVtTile>,
      options?: { version?: number; extent?: number },
    ): Uint8Array;
  };
  export default vtPbf;
}
