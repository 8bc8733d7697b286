import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writePrivateFile } from './files.js';
import type { Role } from './roles.js';
import type { TokenStore } from './tokens.js';
import type { UserStore } from './users.js';

/**
 * What `npm start` needs to be usable at once and still closed: on first start, three demo users
 * (demo-planner, demo-operator, demo-admin) with generated passwords, printed once and kept in
 * `<authDir>/demo-passwords.txt` (0600, under the gitignored build/); on every start, a fresh
 * ingest token for the in-process simulator (only its hash is stored; the old one stops working).
 */

export const DEMO_USERS: readonly { name: string; role: Role }[] = [
  { name: 'demo-planner', role: 'planner' },
  { name: 'demo-operator', role: 'operator' },
  { name: 'demo-admin', role: 'admin' },
];

export const SIMULATOR_SOURCE = 'simulator';

export interface DemoAccess {
  /** Lines to print: the new passwords (first start) or where they are kept. */
  lines: string[];
  /** The simulator's ingest token for this run. */
  simulatorToken: string;
}

export async function ensureDemoAccess(
  authDir: string,
  users: UserStore,
  tokens: TokenStore,
): Promise<DemoAccess> {
  const file = path.join(authDir, 'demo-passwords.txt');
  const lines: string[] = [];
  const missing = DEMO_USERS.filter((u) => !users.byName(u.name));
  if (missing.length > 0) {
    const created: string[] = [];
    for (const u of missing) {
      const password = randomBytes(12).toString('base64url');
      await users.upsert(u.name, u.role, password);
      created.push(`${u.name}\t${u.role}\t${password}`);
    }
    const previous = await readFile(file, 'utf8').catch(() => '');
    await writePrivateFile(file, `${previous}${created.join('\n')}\n`);
    lines.push(`bdtwin: demo users created (shown once; also in ${file}):`);
    for (const c of created) lines.push(`  ${c.replace(/\t/g, '  ')}`);
  } else {
    lines.push(`bdtwin: demo users ${DEMO_USERS.map((u) => u.name).join(', ')}: passwords in ${file}`);
  }
  const simulatorToken = await tokens.add(SIMULATOR_SOURCE, ['#']);
  return { lines, simulatorToken };
}
