import type { FastifyRequest } from 'fastify';
import { type Role, roleOf, type SessionUser } from './roles.js';

/**
 * The caller, as the auth plugin found it (session cookie). Routes ask `requestRole(req)`; a
 * service built without the plugin (never in `bdtwin serve`) treats everyone as public.
 */
declare module 'fastify' {
  interface FastifyRequest {
    bdtwinUser: SessionUser | undefined;
  }
}

export function requestRole(req: FastifyRequest): Role {
  return roleOf(req.bdtwinUser);
}
