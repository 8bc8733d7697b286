import type { FastifyRequest } from 'fastify';
import { FeedInputError } from '../ingest/errors.js';

/** Longest name an acknowledgement may carry (characters). */
export const ACK_BY_MAX_CHARS = 80;

/**
 * Who is acknowledging an alert. The one place that decides it: today the operator's name from
 * the request body (`{ "by": "…" }`, required, 1–80 characters after trimming); once the service
 * has sessions (issue 9) this returns the signed-in user instead and the body field goes.
 */
export function ackIdentity(request: Pick<FastifyRequest, 'body' | 'bdtwinUser'>): string {
  const body = request.body;
  const by = body && typeof body === 'object' ? (body as { by?: unknown }).by : undefined;
  // Only operators reach this (serve/auth): without a name in the body, the signed-in user's.
  if (by === undefined && request.bdtwinUser) return request.bdtwinUser.name;
  if (typeof by !== 'string') {
    throw new FeedInputError(400, 'by must be the name of the person acknowledging (a string)', 'by');
  }
  const name = by.trim().replace(/\s+/g, ' ');
  if (name.length === 0) throw new FeedInputError(400, 'by must not be empty', 'by');
  if ([...name].length > ACK_BY_MAX_CHARS) {
    throw new FeedInputError(400, `by must be at most ${ACK_BY_MAX_CHARS} characters`, 'by');
  }
  return name;
}
