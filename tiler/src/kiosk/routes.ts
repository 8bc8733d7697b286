import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { STORY_NAME_PATTERN } from '../api/kiosk.js';
import { parseStory } from './story.js';

/** Where the stories live inside the data folder; `scripts/demo.ts` copies data/kiosk/ there. */
export const KIOSK_DIR = 'kiosk';
export const DEFAULT_STORY = 'story';

/**
 * The kiosk's routes, registered by one line in serve/server.ts. Public (the kiosk has no
 * log-in): a story holds nothing but camera views and captions.
 * - `GET /api/kiosk/story` — `<data>/kiosk/story.json`, validated
 * - `GET /api/kiosk/stories/:name` — `<data>/kiosk/<name>.json` (a test tour, a second exhibit)
 * A missing story answers 404, a broken one 422 with `problems` naming each stop and field; the
 * file is read on every request, so staff see an edit on the kiosk's next reset or reload.
 */
export async function registerKioskRoutes(app: FastifyInstance, options: { dataDir: string }): Promise<void> {
  const dir = path.join(options.dataDir, KIOSK_DIR);
  const nameRe = new RegExp(STORY_NAME_PATTERN);

  const serve = async (
    name: string,
    reply: { code(n: number): unknown; header(k: string, v: string): unknown },
  ) => {
    reply.header('Cache-Control', 'no-cache');
    const file = `${name}.json`;
    let text: string;
    try {
      text = await readFile(path.join(dir, file), 'utf8');
    } catch {
      reply.code(404);
      return { error: `no kiosk story "${name}" (expected ${KIOSK_DIR}/${file} in the data folder)` };
    }
    const result = parseStory(text, `${KIOSK_DIR}/${file}`);
    if (!result.ok) {
      app.log.warn({ problems: result.problems }, 'kiosk story is invalid');
      reply.code(422);
      return { error: `kiosk story ${KIOSK_DIR}/${file} is invalid`, problems: result.problems };
    }
    return result.story;
  };

  app.get('/api/kiosk/story', (_req, reply) => serve(DEFAULT_STORY, reply));
  app.get<{ Params: { name: string } }>('/api/kiosk/stories/:name', async (req, reply) => {
    if (!nameRe.test(req.params.name)) {
      reply.code(400);
      return { error: 'story name: lower-case letters, digits and dashes only', field: 'name' };
    }
    return serve(req.params.name, reply);
  });
}
