import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * A throwaway PostgreSQL server for tests: `initdb` into a temporary folder, `postgres` on a
 * free loopback port (and a unix socket in the same folder), fsync on — durability is what the
 * tests are about. Stop, start again on the same data (outage tests), remove at the end.
 *
 * The server binaries come from the Debian package `postgresql` (`.ci/run` installs it when
 * missing); `BDTWIN_PG_BIN` may name another bin folder. Tests skip, saying why, when there is
 * none (`postgresMissing()`). PostgreSQL refuses to run as root: as root, the server runs as
 * the `postgres` system user, and the temporary folder is made its own.
 */

const USER = 'bdtwin';

/** The folder with initdb and postgres, or undefined. */
export function postgresBinDir(): string | undefined {
  const has = (dir: string) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres'));
  const fromEnv = process.env.BDTWIN_PG_BIN;
  if (fromEnv) return has(fromEnv) ? fromEnv : undefined;
  // Debian keeps them out of PATH, one folder per major version: the newest wins.
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(path.join(root, v, 'bin'))) return path.join(root, v, 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir && has(dir)) return dir;
  return undefined;
}

/** Who runs the server: ourselves, or the `postgres` user when we are root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresMissing(): string | undefined {
  if (!postgresBinDir())
    return 'no PostgreSQL server binaries (initdb, postgres): apt-get install postgresql, or set BDTWIN_PG_BIN';
  if (process.getuid?.() === 0 && !serverUser())
    return 'running as root and there is no postgres system user to run the server as';
  return undefined;
}

export interface TestPostgres {
  /** `postgres://bdtwin@127.0.0.1:<port>/postgres` (trust authentication on loopback). */
  readonly adminUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** The postmaster's process id while it runs (benchmarks read its CPU time). */
  readonly pid: number | undefined;
  /** A new empty database; resolves with its URL. */
  createDatabase(name: string): Promise<string>;
  /** Whether the server is running now. */
  readonly running: boolean;
  /** Stops the server: `fast` (clients disconnected, clean), `immediate` (crash-like), `kill` (SIGKILL). */
  stop(mode?: 'fast' | 'immediate' | 'kill'): Promise<void>;
  /** Starts it again on the same data and port. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
  /** The server's log so far (for failure messages). */
  log(): string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const live = new Set<ChildProcess>();
let exitHook = false;

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const missing = postgresMissing();
  if (!bin || missing) throw new Error(missing ?? 'no PostgreSQL');
  const owner = serverUser();
  // The postgres user must be able to reach the folder: a private $TMPDIR (root's own) will not do.
  const parent = owner && (statSync(tmpdir()).mode & 0o001) === 0 ? '/tmp' : tmpdir();
  const dir = await mkdtemp(path.join(parent, 'bdtwin-pg-'));
  if (owner) await chown(dir, owner.uid, owner.gid);
  const dataDir = path.join(dir, 'data');
  const spawnOptions = { ...(owner ?? {}), cwd: dir, env: { ...process.env, LC_ALL: 'C' } };
  // --no-sync: only initdb's own files; the server below runs with fsync on.
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const p = spawn(
      path.join(bin, 'initdb'),
      ['-D', dataDir, '-U', USER, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    p.stdout.on('data', (d) => {
      out += String(d);
    });
    p.stderr.on('data', (d) => {
      out += String(d);
    });
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`initdb in ${dataDir} failed (${code}):\n${out}`)),
    );
  });

  let port = await freePort();
  let child: ChildProcess | undefined;
  let logText = '';

  const launch = async (): Promise<void> => {
    const p = spawn(
      path.join(bin, 'postgres'),
      [
        '-D',
        dataDir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `port=${port}`,
        '-c',
        `unix_socket_directories=${dir}`,
        '-c',
        'fsync=on',
        '-c',
        'synchronous_commit=on',
        '-c',
        'shared_buffers=32MB',
        '-c',
        'max_connections=40',
      ],
      { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = p;
    live.add(p);
    p.once('exit', () => live.delete(p));
    const onData = (d: Buffer) => {
      logText += String(d);
      if (logText.length > 200_000) logText = logText.slice(-100_000);
    };
    p.stdout!.on('data', onData);
    p.stderr!.on('data', onData);
    // Ready when it accepts a connection (its log says so too, in the server's language).
    const until = Date.now() + 30_000;
    for (;;) {
      if (p.exitCode !== null)
        throw new Error(`postgres exited (${p.exitCode}) on port ${port}:\n${logText}`);
      const client = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 1_000 });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.end();
        return;
      } catch {
        await client.end().catch(() => {});
        if (Date.now() > until) throw new Error(`postgres on port ${port} did not start:\n${logText}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const adminUrl = () => `postgres://${USER}@127.0.0.1:${port}/postgres`;

  if (!exitHook) {
    exitHook = true;
    // A test process that ends without destroy() still leaves no server behind.
    process.once('exit', () => {
      for (const p of live) p.kill('SIGKILL');
    });
  }
  // Another process may take the port between the probe and the server's bind: try another.
  for (let attempt = 0; ; attempt++) {
    try {
      await launch();
      break;
    } catch (error) {
      if (attempt >= 2 || !/could not bind|Address already in use/i.test(logText)) throw error;
      port = await freePort();
      logText = '';
    }
  }

  const stop = async (mode: 'fast' | 'immediate' | 'kill' = 'fast') => {
    const p = child;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(mode === 'fast' ? 'SIGINT' : mode === 'immediate' ? 'SIGQUIT' : 'SIGKILL');
    await exited;
    if (mode === 'kill') {
      // The postmaster's children outlive a SIGKILL for a moment; a new postmaster on the same
      // data refuses to start until they are gone (its lock file names the old pid).
      await new Promise((r) => setTimeout(r, 300));
    }
  };

  return {
    get adminUrl() {
      return adminUrl();
    },
    get port() {
      return port;
    },
    dataDir,
    get pid() {
      return child?.exitCode === null ? child.pid : undefined;
    },
    get running() {
      return child !== undefined && child.exitCode === null;
    },
    async createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://${USER}@127.0.0.1:${port}/${name}`;
    },
    stop,
    start: async () => {
      if (child && child.exitCode === null) return;
      for (let i = 0; ; i++) {
        try {
          await launch();
          return;
        } catch (error) {
          // After a kill, the old server's processes may still hold the data folder briefly.
          if (i >= 20) throw error;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    },
    destroy: async () => {
      await stop('fast');
      await rm(dir, { recursive: true, force: true });
    },
    log: () => logText,
  };
}
