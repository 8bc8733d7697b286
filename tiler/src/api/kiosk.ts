/**
 * The kiosk story (`/kiosk`, docs/kiosk.md): a guided camera tour the public kiosk plays when
 * nobody touches it. Staff edit `data/kiosk/story.json`; the service validates it
 * (tiler/src/kiosk/story.ts) and serves it at `GET /api/kiosk/story`. Browser-safe.
 *
 * A stop's `view` is the shareable view state of web/src/state/viewState.ts (same field names,
 * same units), so a link copied from the viewer can become a stop.
 */

/** Camera position (not the point it looks at) and direction. */
export interface StoryCamera {
  /** Degrees east. */
  lonDeg: number;
  /** Degrees north. */
  latDeg: number;
  /** Metres above the WGS84 ellipsoid. */
  heightM: number;
  /** Degrees clockwise from north. */
  headingDeg: number;
  /** Degrees, negative looks down. */
  pitchDeg: number;
}

export interface StoryView {
  camera: StoryCamera;
  /** Layer ids shown at this stop; absent = every public layer. */
  layers?: string[];
  lang?: 'vi' | 'en';
}

/** Text in both kiosk languages. */
export interface StoryText {
  vi: string;
  en: string;
}

export interface StoryStop {
  /** Lower-case letters, digits and dashes; unique in the story. */
  id: string;
  title: StoryText;
  caption: StoryText;
  /** Seconds the tour stays at this stop, the flight there included. */
  durationS: number;
  view: StoryView;
}

export interface Story {
  version: 1;
  /** Seconds without a touch after which the kiosk returns to the story (default 90). */
  idleTimeoutS?: number;
  stops: StoryStop[];
}

/** Defaults and limits (also enforced by the schema). */
export const STORY_LIMITS = {
  idleTimeoutS: { default: 90, min: 5, max: 3600 },
  durationS: { min: 1, max: 600 },
  stops: { min: 1, max: 50 },
  titleChars: 60,
  captionChars: 200,
} as const;

/** Story names accepted by `GET /api/kiosk/stories/:name` (a file `<name>.json` in the kiosk folder). */
export const STORY_NAME_PATTERN = '^[a-z0-9][a-z0-9-]{0,63}$';
