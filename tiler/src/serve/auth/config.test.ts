import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestPerMinuteFromEnv, loadAuth, sessionIdleFromEnv } from './config.js';

describe('auth settings from the environment', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-auth-config-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads the ingest rate limit and the idle timeout, unset meaning the defaults', () => {
    expect(ingestPerMinuteFromEnv({})).toBeUndefined();
    expect(ingestPerMinuteFromEnv({ BDTWIN_INGEST_PER_MINUTE: '' })).toBeUndefined();
    expect(ingestPerMinuteFromEnv({ BDTWIN_INGEST_PER_MINUTE: '600000' })).toBe(600_000);
    expect(sessionIdleFromEnv({ BDTWIN_SESSION_IDLE_MINUTES: '30' })).toBe(30 * 60_000);
  });

  it('names the variable and the allowed range when a value is wrong', () => {
    for (const bad of ['0', '-5', '1.5', 'many', '2000000000']) {
      expect(() => ingestPerMinuteFromEnv({ BDTWIN_INGEST_PER_MINUTE: bad })).toThrow(
        `BDTWIN_INGEST_PER_MINUTE: "${bad}" must be a whole number of requests, 1 to 1000000000`,
      );
    }
  });

  it('hands the limit to the service options', async () => {
    const quiet = () => {};
    const set = await loadAuth(dir, { BDTWIN_INGEST_PER_MINUTE: '120000' }, quiet);
    expect(set.auth.ingestPerMinute).toBe(120_000);
    const unset = await loadAuth(dir, {}, quiet);
    expect(unset.auth.ingestPerMinute).toBeUndefined();
  });
});
