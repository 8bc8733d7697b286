import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { authPaths } from '../serve/auth/config.js';
import { isRole, ROLES } from '../serve/auth/roles.js';
import { endSessionsOf } from '../serve/auth/session-store.js';
import { TokenStore, tokenReadRole } from '../serve/auth/tokens.js';
import { UserStore } from '../serve/auth/users.js';
import { parseOrUsage } from './main.js';
import { REPO_ROOT } from './serve-command.js';

const USERS_USAGE = `Usage: bdtwin users add <name> --role <${ROLES.join('|')}> [--password-env VAR]
       bdtwin users remove <name>
       bdtwin users list

Local users of the service (docs/security.md), Argon2id hashes in BDTWIN_USERS
(default build/auth/users.json). Without --password-env a strong password is generated and
printed once; with it, the password is read from that environment variable (never argv, which
other local users can see in the process list). Removing a user, or changing the password or
role of an existing one, ends all of that user's sessions at once (BDTWIN_SESSIONS, default
build/auth/sessions.sqlite, shared with the running service).`;

const TOKENS_USAGE = `Usage: bdtwin tokens add <source> [--topics 'v1.1/#,bdtwin/traffic/flow'] [--read <${ROLES.join('|')}>]
       bdtwin tokens remove <source>
       bdtwin tokens list

Ingest tokens, one per source (docs/security.md), SHA-256 hashes in BDTWIN_TOKENS (default
build/auth/tokens.json). The token is printed once. HTTP ingest sends it as
"Authorization: Bearer <token>"; MQTT as user name <source>, password <token>. --topics are
MQTT filters (+, #) bounding what the source may publish and subscribe to (default #: all).
--read is the role whose visibility bounds what its MQTT subscriptions receive (default public:
observations of operator-only Things and traffic detail are not forwarded to it).`;

const authDir = () => path.join(REPO_ROOT, 'build/auth');

export async function usersCommand(argv: string[]): Promise<number> {
  const parsed = parseOrUsage(
    {
      args: argv,
      allowPositionals: true,
      options: {
        role: { type: 'string' },
        'password-env': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USERS_USAGE,
  );
  if (!parsed) return 1;
  const { values, positionals } = parsed;
  const [action, name] = positionals;
  if (values.help) {
    console.log(USERS_USAGE);
    return 0;
  }
  const fail = (m: string) => {
    console.error(`bdtwin users: ${m}\n\n${USERS_USAGE}`);
    return 1;
  };
  try {
    const paths = authPaths(authDir());
    const store = await UserStore.open(paths.usersFile);
    /** Ends the user's sessions in the file the service reads (it refuses them from now on). */
    const endSessions = (id: string) => {
      const ended = endSessionsOf(paths.sessionsFile, `local:${id}`);
      if (ended > 0) console.log(`bdtwin users: ended ${ended} session${ended === 1 ? '' : 's'} of ${name}`);
    };
    if (action === 'list') {
      for (const u of store.list()) console.log(`${u.name}\t${u.role}\t${u.createdAt}`);
      return 0;
    }
    if (!name) return fail('give a user name');
    if (action === 'remove') {
      const user = store.byName(name);
      if (!user || !(await store.remove(name))) return fail(`no user "${name}"`);
      console.log(`bdtwin users: removed ${name}`);
      endSessions(user.id);
      return 0;
    }
    if (action !== 'add') return fail(`unknown action "${action ?? ''}"`);
    const role = values.role as string | undefined;
    if (!isRole(role)) return fail(`--role must be one of ${ROLES.join(', ')}`);
    const envVar = values['password-env'] as string | undefined;
    const given = envVar ? process.env[envVar] : undefined;
    if (envVar && given === undefined) return fail(`environment variable ${envVar} is not set`);
    const password = given ?? randomBytes(15).toString('base64url');
    const saved = await store.upsert(name, role, password);
    console.log(`bdtwin users: ${name} (${role}) saved in ${store.file}`);
    endSessions(saved.id);
    if (!given) console.log(`password (shown once): ${password}`);
    return 0;
  } catch (error) {
    return fail((error as Error).message);
  }
}

export async function tokensCommand(argv: string[]): Promise<number> {
  const parsed = parseOrUsage(
    {
      args: argv,
      allowPositionals: true,
      options: {
        topics: { type: 'string' },
        read: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    TOKENS_USAGE,
  );
  if (!parsed) return 1;
  const { values, positionals } = parsed;
  const [action, source] = positionals;
  if (values.help) {
    console.log(TOKENS_USAGE);
    return 0;
  }
  const fail = (m: string) => {
    console.error(`bdtwin tokens: ${m}\n\n${TOKENS_USAGE}`);
    return 1;
  };
  try {
    const store = await TokenStore.open(authPaths(authDir()).tokensFile);
    if (action === 'list') {
      for (const t of store.list())
        console.log(`${t.source}\t${t.topics.join(',')}\tread ${tokenReadRole(t)}\t${t.createdAt}`);
      return 0;
    }
    if (!source) return fail('give a source name');
    if (action === 'remove') {
      if (!(await store.remove(source))) return fail(`no token for "${source}"`);
      console.log(`bdtwin tokens: removed the token of ${source}`);
      return 0;
    }
    if (action !== 'add') return fail(`unknown action "${action ?? ''}"`);
    const topics = ((values.topics as string | undefined) ?? '#')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const read = (values.read as string | undefined) ?? 'public';
    if (!isRole(read)) return fail(`--read must be one of ${ROLES.join(', ')}`);
    const token = await store.add(source, topics, read);
    console.log(
      `bdtwin tokens: ${source} may use ${topics.join(', ')} and read what ${read} may see; saved in ${store.file}`,
    );
    console.log(`token (shown once): ${token}`);
    return 0;
  } catch (error) {
    return fail((error as Error).message);
  }
}
