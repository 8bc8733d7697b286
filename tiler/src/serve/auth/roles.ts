/**
 * Roles and visibility: the one policy every route asks (docs/security.md).
 *
 * Roles: `public` (anyone, the kiosk; also every caller without a session), `planner`,
 * `operator`, `admin`. Planner and operator are side by side, not above one another: a planner
 * sees draft scenarios but not operator feeds, an operator sees alerts and traffic detail but not
 * drafts; an admin sees both. Visibility is what a layer, scenario, feed layer or Thing carries:
 * the lowest role that may see it.
 */

export type Role = 'public' | 'planner' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['public', 'planner', 'operator', 'admin'];

export type Visibility = Role;
export const VISIBILITIES: readonly Visibility[] = ROLES;

/** What the service knows about the caller; `undefined` on the request means anonymous (public). */
export interface SessionUser {
  /** `local:<id>` for users in the users file, `oidc:<sub>` for the identity provider's. */
  id: string;
  name: string;
  role: Role;
}

/** Whether `role` may see something of `visibility`. The only place this rule is written. */
export function canSee(role: Role, visibility: Visibility): boolean {
  if (visibility === 'public' || role === 'admin') return true;
  return role === visibility;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export const isVisibility = isRole;

/** The caller's role: `public` without a session. */
export function roleOf(user: SessionUser | undefined): Role {
  return user?.role ?? 'public';
}
