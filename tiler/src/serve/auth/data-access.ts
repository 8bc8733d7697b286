import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readCatalog } from '../../catalog/store.js';
import { listScenarios } from '../../planning/routes.js';
import { discoverLayersWithVisibility } from '../layers.js';
import { claimOf, DATA_PREFIX, type DataClaim, safeDecodePath, visibilityOfPath } from './data-paths.js';
import { requestRole } from './request.js';
import { canSee } from './roles.js';

/**
 * The `/data/` gate: an onRequest hook that answers 404 — never 403, so a caller learns nothing
 * about what exists — for any file the caller's role may not see, any path that is malformed or
 * climbs out of the data folder, and any file whose real path (symlinks resolved) lies outside it.
 * Claims come from `layers.json` (or discovered layers), `catalog.json` and `scenarios.json`,
 * re-read at most once per `ttlMs`, so a changed visibility applies within a second.
 */
export class DataAccess {
  private cached: { at: number; claims: Promise<DataClaim[]> } | undefined;
  private rootReal: Promise<string> | undefined;

  constructor(
    readonly dataDir: string,
    private readonly ttlMs = 1_000,
    private readonly log: (message: string) => void = () => {},
  ) {}

  claims(nowMs = Date.now()): Promise<DataClaim[]> {
    if (!this.cached || nowMs - this.cached.at > this.ttlMs) {
      this.cached = { at: nowMs, claims: collectClaims(this.dataDir, this.log) };
    }
    return this.cached.claims;
  }

  readonly onRequest = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const url = req.url;
    // The router decodes %-escapes before it matches (`/%64ata/…` reaches the data route), so
    // go by the route matched as well as by the decoded path.
    const routed = req.routeOptions.url?.startsWith(DATA_PREFIX) === true;
    if (!routed && !looksLikeData(url)) return;
    const decoded = safeDecodePath(url);
    const visible =
      decoded !== undefined && canSee(requestRole(req), visibilityOfPath(decoded, await this.claims()));
    if (visible && (await this.insideDataDir(decoded))) return;
    await reply.code(404).send({ error: 'not found', message: 'not found', requestId: req.id });
  };

  /** Symlinks may not lead out of the data folder (a missing file passes: the server says 404). */
  private async insideDataDir(decoded: string): Promise<boolean> {
    this.rootReal ??= realpath(this.dataDir).catch(() => path.resolve(this.dataDir));
    const root = await this.rootReal;
    const file = path.join(this.dataDir, decoded.slice(DATA_PREFIX.length));
    try {
      const real = await realpath(file);
      return real === root || real.startsWith(root + path.sep);
    } catch {
      return true;
    }
  }
}

function looksLikeData(url: string): boolean {
  const raw = url.split('?')[0] ?? '';
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // keep the raw path
  }
  const d = decoded.replace(/\\/g, '/').replace(/\/{2,}/g, '/');
  return d === '/data' || d.startsWith(DATA_PREFIX);
}

/** Every claim the data folder's indexes make; a broken index claims nothing (and is logged). */
export async function collectClaims(
  dataDir: string,
  log: (m: string) => void = () => {},
): Promise<DataClaim[]> {
  const claims: DataClaim[] = [];
  const guard = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      log(`bdtwin access: ${what}: ${(error as Error).message}`);
      // An unreadable index must not open its files: claim its whole area for admin.
      claims.push({ path: what === 'scenarios' ? '/data/scenarios/' : DATA_PREFIX, visibility: 'admin' });
    }
  };
  await guard('layers', async () => {
    for (const l of await discoverLayersWithVisibility(dataDir)) claims.push(claimOf(l.url, l.visibility));
  });
  await guard('catalog', async () => {
    for (const l of (await readCatalog(dataDir))?.layers ?? []) {
      claims.push(
        claimOf(DATA_PREFIX + l.path.split(/[\\/]/).map(encodeURIComponent).join('/'), l.visibility),
      );
    }
  });
  await guard('scenarios', async () => {
    for (const s of await listScenarios(dataDir)) {
      const v = s.visibility ?? 'public';
      const urls = [
        ...s.layers.map((l) => l.url),
        s.metricsUrl,
        ...(s.metricsCsvUrl ? [s.metricsCsvUrl] : []),
      ];
      for (const u of urls) claims.push(claimOf(u, v));
    }
  });
  return claims;
}
