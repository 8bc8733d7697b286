import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerKioskRoutes } from './routes.js';
import { parseStory, storyProblems } from './story.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const STORY_FILE = path.join(REPO, 'data/kiosk/story.json');

/** A small valid story, copied and broken by each case. */
function goodStory() {
  return {
    version: 1,
    idleTimeoutS: 90,
    stops: [
      {
        id: 'becamex-tower',
        title: { vi: 'Tòa nhà Becamex', en: 'Becamex Tower' },
        caption: { vi: 'Tòa tháp 27 tầng.', en: 'A 27-storey tower.' },
        durationS: 12,
        view: {
          camera: { lonDeg: 106.67, latDeg: 10.97, heightM: 300, headingDeg: 335, pitchDeg: -20 },
          layers: ['buildings', 'terrain'],
          lang: 'vi',
        },
      },
      {
        id: 'cho-thu-dau-mot',
        title: { vi: 'Chợ Thủ Dầu Một', en: 'Thu Dau Mot Market' },
        caption: { vi: 'Ngôi chợ lâu đời.', en: 'The old market.' },
        durationS: 10,
        view: { camera: { lonDeg: 106.65, latDeg: 10.98, heightM: 400, headingDeg: 35, pitchDeg: -35 } },
      },
    ],
  };
}

describe('kiosk story schema', () => {
  it('accepts the committed story and its test tour', async () => {
    for (const file of ['story.json', 'test-short.json', 'test-still.json']) {
      const text = await readFile(path.join(REPO, 'data/kiosk', file), 'utf8');
      const result = parseStory(text, file);
      expect(result.ok ? [] : result.problems).toEqual([]);
    }
    const story = JSON.parse(await readFile(STORY_FILE, 'utf8')) as { stops: { id: string }[] };
    expect(story.stops.length).toBeGreaterThanOrEqual(6);
  });

  it('names the stop and the field when a caption language is missing', () => {
    const s = goodStory();
    delete (s.stops[0]!.caption as { en?: string }).en;
    expect(storyProblems(s)).toEqual([
      'story.json: stop 1 ("becamex-tower"): caption.en: is missing (every text needs "vi" and "en")',
    ]);
  });

  it('explains a camera out of range and a wrong type in staff words', () => {
    const s = goodStory();
    s.stops[1]!.view.camera.pitchDeg = 20;
    (s.stops[1]!.view.camera as { heightM: unknown }).heightM = '400';
    const problems = storyProblems(s, 'kiosk/story.json');
    expect(problems).toContain(
      'kiosk/story.json: stop 2 ("cho-thu-dau-mot"): view.camera.pitchDeg: is out of range: degrees, −90 (straight down) … 0 (horizon) (got 20)',
    );
    expect(problems).toContain(
      'kiosk/story.json: stop 2 ("cho-thu-dau-mot"): view.camera.heightM: must be a number: camera height in metres above the ellipsoid, 1–200000 (got "400")',
    );
  });

  it('catches misspelt fields, bad ids, empty and over-long texts, duplicate ids', () => {
    const s = goodStory() as unknown as { stops: Record<string, unknown>[] };
    s.stops[0]!.duration = 5;
    s.stops[1]!.id = 'Chợ';
    (s.stops[1]!.title as { vi: string }).vi = '';
    (s.stops[1]!.caption as { en: string }).en = 'x'.repeat(201);
    const problems = storyProblems(s);
    expect(problems).toContain(
      'story.json: stop 1 ("becamex-tower"): duration: is not a story field (misspelt?)',
    );
    expect(problems).toContain(
      'story.json: stop 2 ("Chợ"): id: must be lower-case letters, digits and dashes, e.g. "becamex-tower" (got "Chợ")',
    );
    expect(problems).toContain('story.json: stop 2 ("Chợ"): title.vi: must not be empty');
    expect(
      problems.some((p) => p.includes('caption.en: is too long for the caption card: at most 200')),
    ).toBe(true);

    const dup = goodStory();
    dup.stops[1]!.id = 'becamex-tower';
    expect(storyProblems(dup)).toEqual([
      'story.json: stop 2: id: "becamex-tower" is already the id of stop 1',
    ]);
  });

  it('rejects an empty tour, a wrong version, an idle time out of range and broken JSON', () => {
    expect(storyProblems({ version: 1, stops: [] })).toEqual(['story.json: stops: needs at least 1 stop']);
    expect(storyProblems({ ...goodStory(), version: 2 })).toEqual(['story.json: version: must be 1 (got 2)']);
    expect(storyProblems({ ...goodStory(), idleTimeoutS: 1 })[0]).toMatch(
      /^story\.json: idleTimeoutS: is out of range/,
    );
    const broken = parseStory('{"version": 1, "stops": [', 'story.json');
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.problems[0]).toMatch(/^story\.json: not valid JSON: /);
  });
});

describe('kiosk story routes', () => {
  let dir = '';
  const app = Fastify();
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-kiosk-'));
    await mkdir(path.join(dir, 'kiosk'));
    await writeFile(path.join(dir, 'kiosk/story.json'), JSON.stringify(goodStory()));
    const bad = goodStory();
    bad.stops[0]!.durationS = 0;
    await writeFile(path.join(dir, 'kiosk/broken.json'), JSON.stringify(bad));
    await registerKioskRoutes(app, { dataDir: dir });
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a good story, names the problems of a broken one, refuses odd names', async () => {
    const ok = await app.inject('/api/kiosk/story');
    expect(ok.statusCode).toBe(200);
    expect(ok.json().stops).toHaveLength(2);

    const broken = await app.inject('/api/kiosk/stories/broken');
    expect(broken.statusCode).toBe(422);
    expect(broken.json().problems).toEqual([
      'kiosk/broken.json: stop 1 ("becamex-tower"): durationS: is out of range: seconds, 1–600 (got 0)',
    ]);

    expect((await app.inject('/api/kiosk/stories/missing')).statusCode).toBe(404);
    expect((await app.inject('/api/kiosk/stories/..%2Fsecrets')).statusCode).toBe(400);
  });
});
