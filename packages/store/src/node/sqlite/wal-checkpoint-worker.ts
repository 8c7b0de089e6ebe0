// The worker thread of WalCheckpointer: its own connection to the database, copying committed WAL
// frames back into the database file (a PASSIVE checkpoint: it never blocks the writer, and the
// writer never blocks it) every `intervalMs`, and once more when asked to stop.
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

interface Setup {
  readonly path: string;
  readonly intervalMs: number;
}

const port = parentPort;
if (port === null) throw new Error('wal-checkpoint-worker.ts runs as a worker thread of WalCheckpointer');
const { path, intervalMs } = workerData as Setup;
const db = new DatabaseSync(path);
db.exec('PRAGMA busy_timeout = 5000');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

/** Copies what is committed; tells the owner when there was something to copy. */
function run(): void {
  try {
    const row = checkpoint.get() as { busy: number; log: number; checkpointed: number } | undefined;
    if (row !== undefined && row.log > 0) port?.postMessage({ kind: 'checkpoint', log: row.log, checkpointed: row.checkpointed });
  } catch (error) {
    port?.postMessage({ kind: 'error', message: (error as Error).message });
  }
}

const timer = setInterval(run, intervalMs);
port.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  run();
  db.close();
  port.postMessage({ kind: 'stopped' });
  port.close();
});
