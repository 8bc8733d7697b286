import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTE_DEFAULTS,
  AttributeMappingError,
  parseAttributeMapping,
  readAttributes,
} from './attributes.js';

describe('readAttributes', () => {
  it('finds the first name in each list, ignoring case, skipping empty values', () => {
    const attrs = readAttributes({
      HEIGHT: '',
      CHIEU_CAO: 12,
      'building:levels': 3,
      SO_TANG: 4,
      Ten: 'Nhà A',
    });
    expect(attrs.height).toEqual({ key: 'CHIEU_CAO', value: 12 });
    expect(attrs.storeys).toEqual({ key: 'building:levels', value: 3 }); // preferred to so_tang
    expect(attrs.name).toEqual({ key: 'Ten', value: 'Nhà A' });
    expect(attrs.use).toBeUndefined();
  });

  it('ignores attributes it does not know and inherited names', () => {
    expect(readAttributes({ toString: 'x', colour: 'red' })).toEqual({});
  });
});

describe('parseAttributeMapping', () => {
  it('replaces the lists of the fields given and keeps the defaults for the rest', () => {
    const m = parseAttributeMapping('height=H_M, storeys=TANG|SO_TANG ,min_height=DAY');
    expect(m.height).toEqual(['H_M']);
    expect(m.storeys).toEqual(['TANG', 'SO_TANG']);
    expect(m.minHeight).toEqual(['DAY']);
    expect(m.name).toBe(ATTRIBUTE_DEFAULTS.name);
    expect(readAttributes({ h_m: 5, height: 9 }, m).height).toEqual({ key: 'h_m', value: 5 });
  });

  it('accepts attribute names with colons (OSM keys)', () => {
    expect(parseAttributeMapping('storeys=building:levels').storeys).toEqual(['building:levels']);
  });

  it.each([
    [
      '',
      'attribute mapping "": is empty; expected field=ATTRIBUTE[,field=ATTRIBUTE…], e.g. height=H_M,storeys=TANG',
    ],
    ['height', '"height" is not field=ATTRIBUTE'],
    [
      'heigth=H',
      'unknown field "heigth" (did you mean "height"?); fields are id, name, height, storeys, min_height, min_level, use, building, ward',
    ],
    ['colour=MAU', 'unknown field "colour"; fields are'],
    ['height=A,HEIGHT=B', 'field "HEIGHT" is given twice'],
    ['height=', '"height=" needs an attribute name after "="'],
    ['storeys=A||B', '"storeys=A||B" needs an attribute name'],
  ])('explains what is wrong with %j', (spec, message) => {
    expect(() => parseAttributeMapping(spec)).toThrow(AttributeMappingError);
    expect(() => parseAttributeMapping(spec)).toThrow(message);
  });
});
