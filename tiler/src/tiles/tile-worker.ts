import { parentPort } from 'node:worker_threads';
import { runTileTask, type TileTask } from './tile-task.js';

/** Worker-thread entry: runs tile tasks posted by pool.ts, one at a time. */
if (!parentPort) throw new Error('tile-worker.ts must run in a worker thread');
const port = parentPort;
port.on('message', async (message: { id: number; task: TileTask }) => {
  try {
    const result = await runTileTask(message.task);
    port.postMessage({ id: message.id, result }, [result.glb.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({
      id: message.id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
});
