import { describe, expect, it } from 'vitest';
import { parseQueryOptions, parseTimeFilter } from './odata.js';
import { parseTrafficFlows } from './traffic.js';

describe('SensorThings query options', () => {
  it('reads $filter on time with and', () => {
    expect(
      parseTimeFilter('phenomenonTime ge 2025-07-01T00:00:00Z and resultTime lt 2025-07-02T00:00:00+07:00'),
    ).toEqual([
      { field: 'phenomenonTime', op: 'ge', ms: Date.parse('2025-07-01T00:00:00Z') },
      { field: 'resultTime', op: 'lt', ms: Date.parse('2025-07-01T17:00:00Z') },
    ]);
    expect(parseTimeFilter("phenomenonTime eq '2025-07-01T00:00:00Z'")[0]!.op).toBe('eq');
  });

  it('names the option at fault', () => {
    expect(() => parseTimeFilter('result gt 3')).toThrow(/\$filter/);
    expect(() => parseQueryOptions({ $top: '100001' }, ['id'])).toThrow(/\$top/);
    expect(() => parseQueryOptions({ $orderby: 'colour desc' }, ['id'])).toThrow(/\$orderby/);
    expect(
      parseQueryOptions({ $orderby: 'phenomenonTime desc, id' }, ['id', 'phenomenonTime']).orderBy,
    ).toEqual([
      { field: 'phenomenonTime', desc: true },
      { field: 'id', desc: false },
    ]);
  });
});

describe('TrafficFlowObserved', () => {
  it('reads NGSI-LD normalised entities', () => {
    const [f] = parseTrafficFlows(
      {
        type: 'TrafficFlowObserved',
        refRoadSegment: { type: 'Relationship', object: 'urn:ngsi-ld:RoadSegment:R-000007' },
        dateObserved: { type: 'Property', value: '2025-07-01T00:30:00Z' },
        averageVehicleSpeed: { type: 'Property', value: 22 },
        congested: { type: 'Property', value: false },
      },
      Date.parse('2025-07-01T01:00:00Z'),
    );
    expect(f).toMatchObject({ segmentId: 'R-000007', averageSpeedKmh: 22, congested: false });
    expect(f!.timeMs).toBe(Date.parse('2025-07-01T00:30:00Z'));
  });
  it('names the field and the entity in a batch', () => {
    expect(() =>
      parseTrafficFlows([{ refRoadSegment: 'R-1' }, { refRoadSegment: 'R-2', occupancy: 1.5 }], 0),
    ).toThrow(/occupancy must be a number from 0 to 1/);
  });
});
