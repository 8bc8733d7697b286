import type { MessageId } from '../i18n';

/** Road classes drawn on the ground, widest first (widths in screen pixels). */
export type RoadClass = 'trunk' | 'primary' | 'secondary' | 'tertiary' | 'residential' | 'service';

export interface RoadStyle {
  id: RoadClass;
  label: MessageId;
  color: string;
  width: number;
  /** Drawn only while the camera is lower than this (metres), like a map's zoom levels. */
  maxCameraHeightM: number;
}

export const ROAD_STYLES: readonly RoadStyle[] = [
  {
    id: 'trunk',
    label: 'legend.road.trunk',
    color: '#FF9F1C',
    width: 5,
    maxCameraHeightM: Number.POSITIVE_INFINITY,
  },
  { id: 'primary', label: 'legend.road.primary', color: '#FFD166', width: 4, maxCameraHeightM: 200_000 },
  { id: 'secondary', label: 'legend.road.secondary', color: '#F4F1EA', width: 3, maxCameraHeightM: 30_000 },
  { id: 'tertiary', label: 'legend.road.tertiary', color: '#D9D4C7', width: 2, maxCameraHeightM: 12_000 },
  // A street grid seen from higher than this is a grey mesh hiding the buildings.
  {
    id: 'residential',
    label: 'legend.road.residential',
    color: '#B5B0A4',
    width: 1,
    maxCameraHeightM: 5_000,
  },
  // `service` roads (alleys, yards) are not drawn.
];

export const BOUNDARY_STYLE = { label: 'legend.boundary' as MessageId, color: '#FF4FD8', width: 3 };
/** Points layers (bus stops); the legend shows each layer's own title. */
export const BUS_STOP_STYLE = { color: '#00C389', size: 8 };
