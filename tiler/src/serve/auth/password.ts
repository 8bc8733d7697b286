import { hash, verify } from '@node-rs/argon2';

/**
 * Password hashing with Argon2id (@node-rs/argon2, the maintained native binding), with the
 * OWASP-recommended minimum cost (19 MiB, 2 passes). The PHC string stores its own parameters,
 * so raising the cost later does not invalidate existing hashes.
 */

const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 10;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** True when `password` matches; false for a malformed hash too (never throws on bad input). */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;
/**
 * A hash to verify against when the user name is unknown, so a login for a missing user costs
 * the same time as one with a wrong password (user names are not revealed by timing).
 */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword('bdtwin-no-such-user-password');
  return dummy;
}
