import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { InputError } from '../../errors.js';
import { readJsonFile, writePrivateFile } from './files.js';
import { isRole, type Role } from './roles.js';

/**
 * Ingest tokens, one per source (a station network, a traffic counter vendor, the simulator):
 * `{ "tokens": [{ source, topics, hash, createdAt }] }` in `BDTWIN_TOKENS` (default
 * `build/auth/tokens.json`). Only the SHA-256 of a token is stored: tokens are 32 random bytes,
 * so a fast hash is as good as a slow one here (nothing to brute-force) and keeps every ingest
 * request cheap.
 *
 * A token is used as `Authorization: Bearer <token>` on HTTP ingest, and as the MQTT CONNECT
 * password with the source as user name. Its `topics` (MQTT filters, `+` and `#`) bound what it
 * may publish or subscribe to; HTTP ingest paths map to the same topics (ingestTopicOf). Its
 * `read` role bounds what the embedded broker forwards to it: a device is not an operator, so
 * `public` unless the token says otherwise (feeds/access.ts decides per message).
 */

export interface IngestToken {
  source: string;
  topics: string[];
  /** The role whose visibility bounds what an MQTT subscription receives; absent = `public`. */
  read?: Role;
  /** SHA-256 of the token, hex. */
  hash: string;
  createdAt: string;
}

const SOURCE = /^[A-Za-z0-9._-]{1,64}$/;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class TokenStore {
  private tokens: IngestToken[] = [];
  private loadedText = '';

  private constructor(readonly file: string | undefined) {}

  static async open(file?: string): Promise<TokenStore> {
    const store = new TokenStore(file);
    await store.reload();
    return store;
  }

  async reload(): Promise<void> {
    if (!this.file) return;
    const json = (await readJsonFile(this.file)) as { tokens?: unknown } | undefined;
    const text = JSON.stringify(json ?? null);
    if (text === this.loadedText) return;
    this.tokens = json === undefined ? [] : validateTokens(json, this.file);
    this.loadedText = text;
  }

  /** No tokens at all: ingest is open (development only; the service warns loudly). */
  get empty(): boolean {
    return this.tokens.length === 0;
  }

  list(): readonly IngestToken[] {
    return this.tokens;
  }

  /**
   * Creates (or replaces) the token of `source`, which may read over MQTT what `read` may see
   * (default public); returns the token, which is shown only now.
   */
  async add(source: string, topics: string[] = ['#'], read: Role = 'public'): Promise<string> {
    if (!SOURCE.test(source)) throw new Error(`source "${source}" must be 1–64 of A-Z a-z 0-9 . _ -`);
    for (const t of topics) validateFilter(t);
    if (!isRole(read)) throw new Error(`read role "${String(read)}" is not a role`);
    await this.reload();
    const token = randomBytes(32).toString('base64url');
    const entry: IngestToken = {
      source,
      topics,
      read,
      hash: sha256(token),
      createdAt: new Date().toISOString(),
    };
    this.tokens = [...this.tokens.filter((t) => t.source !== source), entry];
    await this.save();
    return token;
  }

  async remove(source: string): Promise<boolean> {
    await this.reload();
    const before = this.tokens.length;
    this.tokens = this.tokens.filter((t) => t.source !== source);
    if (this.tokens.length === before) return false;
    await this.save();
    return true;
  }

  /** The token's entry (HTTP `Authorization: Bearer`). */
  verify(token: string | undefined): IngestToken | undefined {
    if (!token) return undefined;
    const h = Buffer.from(sha256(token), 'hex');
    return this.tokens.find((t) => timingSafeEqual(Buffer.from(t.hash, 'hex'), h));
  }

  /** MQTT CONNECT: user name = source, password = token. */
  verifySource(source: string | undefined, token: string | undefined): IngestToken | undefined {
    const entry = this.verify(token);
    return entry && entry.source === source ? entry : undefined;
  }

  private async save(): Promise<void> {
    const json = { tokens: this.tokens };
    this.loadedText = JSON.stringify(json);
    if (this.file) await writePrivateFile(this.file, `${JSON.stringify(json, null, 2)}\n`);
  }
}

function validateFilter(filter: string): void {
  const parts = filter.split('/');
  if (
    !filter ||
    parts.some(
      (p, i) => (p.includes('#') && (p !== '#' || i !== parts.length - 1)) || (p.includes('+') && p !== '+'),
    )
  ) {
    throw new Error(`topic filter "${filter}" is not a valid MQTT filter`);
  }
}

function validateTokens(json: { tokens?: unknown }, file: string): IngestToken[] {
  if (!json || typeof json !== 'object' || !Array.isArray(json.tokens))
    throw new InputError(file, 'must be {"tokens": [...]}');
  return json.tokens.map((t: Partial<IngestToken>, i) => {
    if (typeof t.source !== 'string' || typeof t.hash !== 'string' || !/^[0-9a-f]{64}$/.test(t.hash))
      throw new InputError(file, `token #${i} needs a "source" and a SHA-256 "hash"`);
    if (!Array.isArray(t.topics) || t.topics.some((s) => typeof s !== 'string'))
      throw new InputError(file, `token #${i} needs "topics": a list of MQTT topic filters`);
    if (t.read !== undefined && !isRole(t.read))
      throw new InputError(file, `token #${i} has read role ${JSON.stringify(t.read)}`);
    return t as IngestToken;
  });
}

/** MQTT topic filter matching (`+` one level, `#` the rest, per MQTT 3.1.1 §4.7). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return !(i === 0 && topic.startsWith('$'));
    if (i >= t.length) return false;
    if (f[i] === '+') {
      // A subscription to `a/#` is wider than `a/+`: '+' does not cover a '#' level.
      if (t[i] === '#' || (i === 0 && topic.startsWith('$'))) return false;
      continue;
    }
    if (f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** What a token may read over MQTT: its `read` role, `public` when it names none. */
export function tokenReadRole(token: IngestToken): Role {
  return token.read ?? 'public';
}

/** Whether a token may use `topic` (publish) or a filter that stays inside its topics (subscribe). */
export function tokenAllows(token: IngestToken, topic: string): boolean {
  return token.topics.some((f) => topicMatches(f, topic));
}

/**
 * The MQTT topic an HTTP ingest request stands for, so one token's topics bound both ways in:
 * `POST /v1.1/Datastreams(7)/Observations` → `v1.1/Datastreams(7)/Observations`,
 * `POST /v1.1/Things` → `v1.1/Things`, `/api/traffic/flow` → `bdtwin/traffic/flow`,
 * `/api/gtfs-rt/vehicle-positions` → `bdtwin/gtfs-rt/vehicle-positions`.
 */
export function ingestTopicOf(urlPath: string): string | undefined {
  if (urlPath.startsWith('/v1.1/')) return urlPath.slice(1).replace(/\/+$/, '');
  if (urlPath === '/api/traffic/flow') return 'bdtwin/traffic/flow';
  if (urlPath === '/api/gtfs-rt/vehicle-positions') return 'bdtwin/gtfs-rt/vehicle-positions';
  return undefined;
}
