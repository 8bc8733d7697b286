import { createServer, type Server, Socket } from 'node:net';

/**
 * A TCP proxy in front of a test PostgreSQL server that can lose a COMMIT, or only its reply,
 * the way a network cut or a server stopping at the wrong moment does. The store must then not
 * know whether its transaction was written (PostgresFeedStore.tx, CommitOutcomeUnknownError).
 *
 * It reads the client's bytes for a simple-protocol Query message `COMMIT` (node-postgres sends
 * COMMIT that way: no parameters), nothing more of the wire protocol.
 */
export interface CommitProxy {
  /** `postgres://…` of the proxy, for the database named. */
  url(database: string): string;
  /**
   * The next COMMIT reaches the server, which writes the transaction, but its reply is lost: the
   * client's connection is cut at once. Then, for `downMs`, every other connection is cut too and
   * no new one is let through (the server out of reach).
   */
  loseNextCommitReply(downMs?: number): void;
  /** The next COMMIT never reaches the server: both sides are cut (the server rolls back). */
  loseNextCommit(downMs?: number): void;
  /** COMMITs lost so far (with or without their reply). */
  readonly cuts: number;
  close(): Promise<void>;
}

const COMMIT_QUERY = Buffer.from('COMMIT\0');

export async function startCommitProxy(serverPort: number, user = 'bdtwin'): Promise<CommitProxy> {
  let armed: { mode: 'reply' | 'commit'; downMs: number } | undefined;
  let downUntil = 0;
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    if (Date.now() < downUntil) {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    upstream.connect(serverPort, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.end());
    upstream.on('data', (d) => {
      if (!client.destroyed) client.write(d);
    });
    client.on('data', (d: Buffer) => {
      const cut = armed;
      if (cut && d[0] === 0x51 /* 'Q' */ && d.includes(COMMIT_QUERY)) {
        armed = undefined;
        cuts++;
        downUntil = Date.now() + cut.downMs;
        // Down means down: the pool's idle connections go too.
        if (cut.downMs > 0) for (const s of sockets) if (s !== client && s !== upstream) s.destroy();
        client.destroy();
        if (cut.mode === 'reply') {
          // The server gets COMMIT and writes; its answer goes nowhere.
          upstream.write(d);
          setTimeout(() => upstream.destroy(), 200);
        } else upstream.destroy();
        return;
      }
      upstream.write(d);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: (database) => `postgres://${user}@127.0.0.1:${port}/${database}`,
    loseNextCommitReply: (downMs = 0) => {
      armed = { mode: 'reply', downMs };
    },
    loseNextCommit: (downMs = 0) => {
      armed = { mode: 'commit', downMs };
    },
    get cuts() {
      return cuts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
