import path from 'node:path';
import type { FastifyError, FastifyInstance } from 'fastify';
import { InputError } from '../errors.js';

/**
 * The service's error answer: `{ error, message, requestId }`, never a stack trace or an internal
 * message. Client errors (4xx) keep their message (it says what to fix); server errors (5xx) are
 * logged in full with the request id and answered with a generic message that names the id, so
 * a user's report can be matched to the log line. The feed routes keep their own `{error, field}`
 * shape (feeds/routes.ts) under the same rule.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, req, reply) => {
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (error instanceof InputError) {
      // A broken data file (layers.json, catalog.json…): its problem is the operator's to fix and
      // safe to show, but by file name only, not the server's folder layout.
      req.log.error({ err: error, reqId: req.id }, 'data file problem');
      return reply.code(500).send({
        error: 'data file problem',
        message: error.message.replace(error.file, path.basename(error.file)),
        requestId: req.id,
      });
    }
    if (status >= 500) {
      req.log.error({ err: error, reqId: req.id }, 'request failed');
      return reply.code(status).send({
        error: 'internal error',
        message: `the service failed on this request (request id ${req.id}); the log has the details`,
        requestId: req.id,
      });
    }
    return reply.code(status).send({ error: errorName(status), message: error.message, requestId: req.id });
  });
}

function errorName(status: number): string {
  switch (status) {
    case 400:
      return 'bad request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not found';
    case 413:
      return 'payload too large';
    case 415:
      return 'unsupported media type';
    case 429:
      return 'too many requests';
    default:
      return 'error';
  }
}
