import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CameraView,
  decodeViewState,
  encodeViewState,
  mergeViewStateIntoSearch,
  sameCameraView,
  type ViewState,
  validateViewState,
} from './viewState';

const CAM: CameraView = { lonDeg: 106.6521, latDeg: 10.9804, heightM: 1800, headingDeg: 15, pitchDeg: -35 };

describe('encodeViewState', () => {
  it('writes the documented form, keys in order', () => {
    const s: ViewState = {
      camera: CAM,
      layers: ['buildings', 'roads'],
      time: '2026-11-25T03:00:00Z',
      scenario: 'tod-2030',
      lang: 'en',
    };
    expect(encodeViewState(s)).toBe(
      'cam=106.6521,10.9804,1800,15,-35&layers=buildings,roads&t=2026-11-25T03:00:00Z&scenario=tod-2030&lang=en',
    );
  });

  it('rounds to about a metre and a tenth of a degree, heading into 0…360, no "-0"', () => {
    const q = encodeViewState({
      camera: {
        lonDeg: 106.652_134_9,
        latDeg: 10.980_406,
        heightM: 1800.049,
        headingDeg: -10.04,
        pitchDeg: -0.01,
      },
    });
    expect(q).toBe('cam=106.65213,10.98041,1800,350,0');
  });

  it('writes an empty layer list as "layers=" and leaves absent fields out', () => {
    expect(encodeViewState({ layers: [] })).toBe('layers=');
    expect(encodeViewState({})).toBe('');
  });

  it('normalises a time with an offset to UTC', () => {
    expect(encodeViewState({ time: '2026-11-25T10:00:00+07:00' })).toBe('t=2026-11-25T03:00:00Z');
  });
});

describe('decodeViewState', () => {
  it('reads what encode wrote, with or without "?"', () => {
    const q =
      'cam=106.6521,10.9804,1800,15,-35&layers=buildings,roads&t=2026-11-25T03:00:00Z&scenario=a,b&lang=vi';
    const want: ViewState = {
      camera: CAM,
      layers: ['buildings', 'roads'],
      time: '2026-11-25T03:00:00Z',
      scenario: 'a,b',
      lang: 'vi',
    };
    expect(decodeViewState(q)).toEqual({ state: want, errors: [] });
    expect(decodeViewState(`?${q}`)).toEqual({ state: want, errors: [] });
  });

  it('reads a percent-encoded link (as URLSearchParams writes it)', () => {
    const q = new URLSearchParams({
      cam: '106.6521,10.9804,1800,15,-35',
      t: '2026-11-25T10:00:00+07:00',
    }).toString();
    const { state, errors } = decodeViewState(q);
    expect(errors).toEqual([]);
    expect(state).toEqual({ camera: CAM, time: '2026-11-25T03:00:00Z' });
  });

  it('accepts a zone "+" that arrived as a space', () => {
    expect(decodeViewState('t=2026-11-25T10:00:00+07:00').state.time).toBe('2026-11-25T03:00:00Z');
  });

  it('drops bad parts with an error naming the parameter, keeps the good ones', () => {
    const { state, errors } = decodeViewState(
      'cam=106.6,95,1800,0,-35&layers=buildings,bad id,buildings&t=yesterday&scenario=a,b,c&lang=fr&zoom=3',
    );
    expect(state).toEqual({ layers: ['buildings'] });
    expect(errors).toHaveLength(6);
    expect(errors[0]).toMatch(/^URL parameter cam: latitude 95 outside/);
    expect(errors[1]).toMatch(/^URL parameter layers: dropped invalid layer id "bad id"/);
    expect(errors[2]).toMatch(/^URL parameter layers: dropped repeated layer id "buildings"/);
    expect(errors[3]).toMatch(/^URL parameter t: expected an ISO 8601 instant/);
    expect(errors[4]).toMatch(/^URL parameter scenario: expected a scenario id or an "a,b" pair/);
    expect(errors[5]).toBe('URL parameter lang: expected "vi" or "en", got "fr"');
  });

  it('rejects a camera with the wrong count or non-numbers', () => {
    for (const cam of ['1,2,3,4', '1,2,3,4,5,6', '1,2,x,4,5', '1,2,,4,5', 'Infinity,2,3,4,5']) {
      const { state, errors } = decodeViewState(`cam=${cam}`);
      expect(state.camera, cam).toBeUndefined();
      expect(errors[0], cam).toMatch(/^URL parameter cam: /);
    }
  });

  it('rejects impossible dates that look right', () => {
    expect(decodeViewState('t=2026-13-45T03:00:00Z').errors[0]).toMatch(/not a real date/);
  });

  it('"layers=" means no layers shown, a missing parameter means the default', () => {
    expect(decodeViewState('layers=').state).toEqual({ layers: [] });
    expect(decodeViewState('lang=en').state.layers).toBeUndefined();
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = decodeViewState(s);
        expect(Array.isArray(r.errors)).toBe(true);
      }),
    );
  });

  it('round-trips any valid state (after rounding)', () => {
    const camArb = fc.record({
      lonDeg: fc.double({ min: -180, max: 180, noNaN: true }),
      latDeg: fc.double({ min: -90, max: 90, noNaN: true }),
      heightM: fc.double({ min: -1000, max: 1e7, noNaN: true }),
      headingDeg: fc.double({ min: -720, max: 720, noNaN: true }),
      pitchDeg: fc.double({ min: -90, max: 90, noNaN: true }),
    });
    const idArb = fc.stringMatching(/^[a-z0-9_-]{1,12}$/);
    fc.assert(
      fc.property(
        fc.record(
          {
            camera: camArb,
            layers: fc.uniqueArray(idArb, { maxLength: 5 }),
            lang: fc.constantFrom('vi' as const, 'en' as const),
            scenario: idArb,
          },
          { requiredKeys: [] },
        ),
        (s) => {
          const once = decodeViewState(encodeViewState(s));
          expect(once.errors).toEqual([]);
          // Encoding the decoded state again gives the same link: the rounding is stable.
          expect(encodeViewState(once.state)).toBe(encodeViewState(s));
          if (s.camera && once.state.camera) {
            expect(Math.abs(once.state.camera.lonDeg - s.camera.lonDeg)).toBeLessThanOrEqual(5e-6 + 1e-12);
            expect(Math.abs(once.state.camera.heightM - s.camera.heightM)).toBeLessThanOrEqual(0.05 + 1e-9);
          }
        },
      ),
    );
  });
});

describe('mergeViewStateIntoSearch', () => {
  it('replaces our parameters and keeps a mode’s own', () => {
    const q = mergeViewStateIntoSearch('?panel=alerts&cam=1,2,3,4,5&lang=vi', { camera: CAM, lang: 'en' });
    expect(q).toBe('cam=106.6521,10.9804,1800,15,-35&lang=en&panel=alerts');
  });

  it('removes a parameter the state no longer has', () => {
    expect(mergeViewStateIntoSearch('t=2026-11-25T03:00:00Z&lang=en', { lang: 'en' })).toBe('lang=en');
  });
});

describe('validateViewState (kiosk stories, saved views)', () => {
  it('accepts a JSON state and rounds the camera', () => {
    const json = JSON.parse(
      '{"camera":{"lonDeg":106.6521234,"latDeg":10.9804,"heightM":1800,"headingDeg":375,"pitchDeg":-35},"layers":["buildings"],"lang":"en"}',
    );
    expect(validateViewState(json)).toEqual({
      state: { camera: { ...CAM, lonDeg: 106.65212 }, layers: ['buildings'], lang: 'en' },
      errors: [],
    });
  });

  it('names the place of each problem', () => {
    const { state, errors } = validateViewState(
      { camera: { lonDeg: 'x' }, time: 12, colour: 'red', scenario: 'tod-2030' },
      'story.json step 2',
    );
    expect(state).toEqual({ scenario: 'tod-2030' });
    expect(errors).toEqual([
      'story.json step 2.camera: lonDeg must be a finite number, got "x"',
      'story.json step 2.time: expected an ISO 8601 instant with a zone such as 2026-11-25T03:00:00Z, got 12',
      'story.json step 2: unknown field "colour" ignored',
    ]);
    expect(validateViewState(null, 'x').errors).toEqual(['x: expected an object, got null']);
  });
});

describe('sameCameraView', () => {
  it('compares at link precision', () => {
    expect(sameCameraView(CAM, { ...CAM, lonDeg: CAM.lonDeg + 1e-7 })).toBe(true);
    expect(sameCameraView(CAM, { ...CAM, lonDeg: CAM.lonDeg + 1e-4 })).toBe(false);
    expect(sameCameraView(undefined, CAM)).toBe(false);
  });
});
