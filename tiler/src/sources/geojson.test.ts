import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { parseGeoJson, readGeoJsonFile } from './geojson.js';

const fail = (text: string) => {
  try {
    parseGeoJson(text, 'in.geojson');
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected an InputError');
};

describe('parseGeoJson', () => {
  it('explains input that is not JSON, with the line and column', () => {
    expect(fail('{"type": "FeatureCollection",\n "features": [oops]}')).toMatch(
      /^in\.geojson: is not valid JSON \(Unexpected token 'o' near line 2, column \d+\)$/,
    );
  });
  it('explains JSON that is not GeoJSON', () => {
    expect(fail('[1, 2, 3]')).toBe(
      'in.geojson: is JSON but not GeoJSON: expected a FeatureCollection object, found an array',
    );
    expect(fail('{"name": "x"}')).toMatch(
      /expected "type": "FeatureCollection" or "Feature", found no "type" member/,
    );
    expect(fail('{"type": "FeatureCollection"}')).toMatch(/no "features" array/);
  });
  it('refuses an empty collection', () => {
    expect(fail('{"type": "FeatureCollection", "features": []}')).toMatch(/contains no features/);
  });
  it('refuses a declared projected CRS instead of misplacing the data', () => {
    const text = JSON.stringify({
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::3405' } },
      features: [{ type: 'Feature', properties: {}, geometry: null }],
    });
    expect(fail(text)).toMatch(/EPSG::3405.*reproject/);
  });
  it('reads a single Feature as a collection of one', () => {
    expect(parseGeoJson('{"type":"Feature","properties":{},"geometry":null}', 'f')).toHaveLength(1);
  });
  it('names a missing file', async () => {
    await expect(readGeoJsonFile('/nonexistent/x.geojson')).rejects.toThrow(
      '/nonexistent/x.geojson: does not exist',
    );
  });
});
