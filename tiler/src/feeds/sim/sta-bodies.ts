/**
 * SensorThings bodies for the simulator's devices (and the tests): an air-quality station and a
 * river gauge, each a Thing with its Location and Datastreams, for one deep-insert POST.
 */
const MEASUREMENT = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement';
const UG = {
  name: 'microgram per cubic metre',
  symbol: 'µg/m³',
  definition: 'http://qudt.org/vocab/unit/MicroGM-PER-M3',
};

/** A Thing with a Location and one Datastream per pollutant, for `POST /v1.1/Things`. */
export function airStationBody(
  code: string,
  lonDeg: number,
  latDeg: number,
  pollutants: readonly string[] = ['PM2.5', 'PM10', 'NO2', 'CO', 'O3', 'SO2'],
  placeName?: string,
) {
  return {
    name: placeName ? `${code} ${placeName}` : `Trạm ${code}`,
    description: `Air-quality monitoring point ${code}`,
    properties: { code, layer: 'air' },
    Locations: [
      {
        name: code,
        description: 'placed for the demo (coordinates are not published)',
        encodingType: 'application/geo+json',
        location: { type: 'Point', coordinates: [lonDeg, latDeg] },
      },
    ],
    Datastreams: pollutants.map((p) => ({
      name: `${code} ${p}`,
      description: `${p} at ${code}, 1-minute means`,
      unitOfMeasurement: UG,
      observationType: MEASUREMENT,
      Sensor: { name: `${p} analyser`, description: '', encodingType: 'text/plain', metadata: 'simulated' },
      ObservedProperty: { name: p, definition: `urn:bdtwin:quantity:${p}`, description: p },
    })),
  };
}

/** A river gauge with water level (m) and rain (mm) and its alarm thresholds. */
export function gaugeBody(
  name: string,
  lonDeg: number,
  latDeg: number,
  alarmThresholdsM: [number, number, number],
) {
  return {
    name,
    description: `Water level and rain gauge at ${name}`,
    properties: { layer: 'water', alarmThresholdsM },
    Locations: [
      {
        name,
        description: '',
        encodingType: 'application/geo+json',
        location: { type: 'Point', coordinates: [lonDeg, latDeg] },
      },
    ],
    Datastreams: [
      {
        name: `${name} water level`,
        description: 'above the national datum (Hòn Dấu)',
        unitOfMeasurement: { name: 'metre', symbol: 'm', definition: 'http://qudt.org/vocab/unit/M' },
        observationType: MEASUREMENT,
        Sensor: {
          name: 'radar level gauge',
          description: '',
          encodingType: 'text/plain',
          metadata: 'simulated',
        },
        ObservedProperty: {
          name: 'water level',
          definition: 'urn:bdtwin:quantity:waterLevel',
          description: '',
        },
      },
      {
        name: `${name} rain`,
        description: 'rain in the last 10 min',
        unitOfMeasurement: {
          name: 'millimetre',
          symbol: 'mm',
          definition: 'http://qudt.org/vocab/unit/MilliM',
        },
        observationType: MEASUREMENT,
        Sensor: {
          name: 'tipping-bucket rain gauge',
          description: '',
          encodingType: 'text/plain',
          metadata: 'simulated',
        },
        ObservedProperty: { name: 'rainfall', definition: 'urn:bdtwin:quantity:rainfall', description: '' },
      },
    ],
  };
}
