/**
 * The feed client in a Web Worker. On a machine that renders slowly (software WebGL: a frame is
 * half a second) the main thread reads WebSocket data only between frames, a little per turn,
 * and falls ever further behind a busy hub. Here the socket is read, parsed and conflated on
 * another thread: the main thread pulls a batch when it is ready for one and gets the newest
 * state of every entity that changed since the last batch — never a backlog.
 *
 * Messages: main → worker `WorkerCommand`, worker → main `WorkerEvent` (worker-feed.ts).
 */
import { Conflator } from './conflate';
import { FeedClient } from './feed-client';
import { batchMessages, type WorkerCommand, type WorkerEvent } from './worker-feed';

const scope = self as unknown as {
  postMessage(msg: WorkerEvent): void;
  onmessage: ((ev: MessageEvent<WorkerCommand>) => void) | null;
};

let client: FeedClient | undefined;
const pending = new Conflator();
let wanted = false;
/**
 * Most entities in one batch (after a snapshot, which goes whole), sent in parts of BATCH_CHUNK.
 * The main thread applies a batch in a few 5 ms slices; the rest waits for the next pull,
 * still conflating.
 */
const MAX_BATCH = 1_000;
/** Worker-side time spent parsing and merging since the last batch (ms). */
let workerMs = 0;
let messages = 0;

function post(msg: WorkerEvent): void {
  scope.postMessage(msg);
}

function flush(): void {
  if (!client || !wanted) return;
  const batch = pending.take(MAX_BATCH);
  if (!batch) return;
  wanted = false;
  // In parts (BATCH_CHUNK): the main thread reads each in a short task of its own.
  for (const msg of batchMessages(batch, {
    messages,
    workerMs,
    lastMessageAt: client.lastMessageAt,
    reconnects: client.reconnects,
  }))
    post(msg);
  workerMs = 0;
  messages = 0;
}

scope.onmessage = (ev) => {
  const cmd = ev.data;
  switch (cmd.type) {
    case 'start': {
      client = new FeedClient({ url: cmd.url, layers: cmd.layers });
      client.onUpdate = (u) => {
        pending.add(u.entities, u.reset);
        messages++;
        workerMs += performance.now() - u.receivedAt;
        flush();
      };
      client.onStatus = (status) =>
        post({
          type: 'status',
          status,
          reconnects: client?.reconnects ?? 0,
          lastMessageAt: client?.lastMessageAt ?? 0,
        });
      client.start();
      break;
    }
    case 'pull':
      wanted = true;
      flush();
      break;
    case 'drop':
      client?.dropConnection();
      break;
    case 'stop':
      client?.stop();
      client = undefined;
      break;
  }
};
