import type { FastifyReply, FastifyRequest } from 'fastify';
import { ingestTopicOf, type TokenStore, tokenAllows } from './tokens.js';

/**
 * HTTP ingest needs `Authorization: Bearer <token>` of a source whose topics cover the path
 * (tokens.ts maps paths to topics); an admin's session may write too (creating Things by hand).
 * Without any token configured ingest is open — development only: `bdtwin serve` says so loudly
 * at start, and `npm start` always creates the simulator's token, so the demo is never open.
 * Every ingest request, allowed or not, passes the per-source rate limiter first.
 */

export interface IngestGuardOptions {
  tokens?: TokenStore;
  limiter: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/** The write methods on ingest paths. */
function isIngest(req: FastifyRequest): string | undefined {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return undefined;
  return ingestTopicOf(req.url.split('?')[0] ?? '');
}

export function ingestGuard(options: IngestGuardOptions) {
  let lastReload = Date.now();
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const topic = isIngest(req);
    if (topic === undefined) return;
    await options.limiter(req, reply);
    if (reply.sent) return;
    const tokens = options.tokens;
    // `bdtwin tokens add` on a running service takes effect within 2 s.
    if (tokens && Date.now() - lastReload > 2_000) {
      lastReload = Date.now();
      await tokens.reload().catch((error: Error) => req.log.error({ err: error }, 'tokens file'));
    }
    if (!tokens || tokens.empty) return;
    if (req.bdtwinUser?.role === 'admin') return;
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const token = match ? tokens.verify(match[1]) : undefined;
    if (!token) {
      await reply.code(401).header('WWW-Authenticate', 'Bearer realm="bdtwin ingest"').send({
        error: 'unauthorized',
        message: 'ingest needs Authorization: Bearer <token> (bdtwin tokens add <source>)',
        requestId: req.id,
      });
      return;
    }
    if (!tokenAllows(token, topic)) {
      await reply.code(403).send({
        error: 'forbidden',
        message: `the token of ${token.source} may not write ${topic}`,
        requestId: req.id,
      });
    }
  };
}
