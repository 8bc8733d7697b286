import type { MessageId } from '../i18n';

/** Road classes drawn on the ground, widest first (widths in screen pixels). */
export type RoadClass = 'trunk' | 'primary' | 'secondary' | 'tertiary' | 'residential' | 'service';

export interface RoadStyle {
  id: RoadClass;
  label: MessageId;
  color: string;
  width: number;
}

export const ROAD_STYLES: readonly RoadStyle[] = [
  { id: 'trunk', label: 'legend.road.trunk', color: '#FF9F1C', width: 7 },
  { id: 'primary', label: 'legend.road.primary', color: '#FFD166', width: 5 },
  { id: 'secondary', label: 'legend.road.secondary', color: '#FFFFFF', width: 4 },
  { id: 'tertiary', label: 'legend.road.tertiary', color: '#E9E4D8', width: 3 },
  { id: 'residential', label: 'legend.road.residential', color: '#BDB8AE', width: 1.5 },
  // `service` roads (alleys, yards) are not drawn.
];

export const BOUNDARY_STYLE = { label: 'legend.boundary' as MessageId, color: '#FF4FD8', width: 3 };
export const BUS_STOP_STYLE = { label: 'legend.busStop' as MessageId, color: '#00C389', size: 8 };
