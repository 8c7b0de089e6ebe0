// WAL checkpoints off the event loop. A checkpoint copies committed pages from the write-ahead log
// back into the database file and syncs it; left to SQLite's auto-checkpoint it runs inside the
// COMMIT that crosses the threshold, on the writer's thread: in the store's ingest benchmark 63 % of
// the time spent in COMMIT was in the few commits over 10 ms (p50 5 ms, p99 77 ms), the event-loop
// stalls the head-end's latency target (T10) counts. Here a worker thread with its own connection
// takes PASSIVE checkpoints every `intervalMs` (SQLite WAL mode allows a checkpoint on one
// connection while another writes: https://www.sqlite.org/wal.html §"Checkpointing"). The writer
// keeps an auto-checkpoint at a higher threshold as a backstop: it finds the frames already copied,
// so its checkpoint is short, and it is what lets the WAL start over from its beginning while
// writes never pause (a PASSIVE checkpoint running beside the writer rarely ends with every frame
// copied).
import { Worker } from 'node:worker_threads';

export interface WalCheckpointerOptions {
  /** The database file (WAL mode). */
  readonly path: string;
  /** How often the worker checkpoints (default 250 ms). */
  readonly intervalMs?: number;
  /** Told of every checkpoint that had frames to copy (pages in the WAL, pages copied). */
  readonly onCheckpoint?: (log: number, checkpointed: number) => void;
  /** Told when a checkpoint failed; the next one is tried at the next interval. */
  readonly onError?: (message: string) => void;
}

/** Pages the writer lets its WAL grow to before checkpointing itself (SQLite's default is 1,000). */
export const writerBackstopPages = 4_000;

type WorkerMessage = { kind: 'checkpoint'; log: number; checkpointed: number } | { kind: 'error'; message: string } | { kind: 'stopped' };

export class WalCheckpointer {
  readonly #worker: Worker;
  readonly #stopped: Promise<void>;
  #stopping = false;

  private constructor(options: WalCheckpointerOptions) {
    this.#worker = new Worker(new URL('./wal-checkpoint-worker.ts', import.meta.url), {
      workerData: { path: options.path, intervalMs: options.intervalMs ?? 250 },
    });
    // A checkpointer must not keep a process alive that has nothing else to do.
    this.#worker.unref();
    this.#worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'checkpoint') options.onCheckpoint?.(message.log, message.checkpointed);
      else if (message.kind === 'error') options.onError?.(message.message);
    });
    this.#stopped = new Promise((resolve) => {
      this.#worker.once('exit', () => { resolve(); });
      this.#worker.once('error', (error: Error) => { options.onError?.(error.message); });
    });
  }

  static start(options: WalCheckpointerOptions): WalCheckpointer {
    return new WalCheckpointer(options);
  }

  /** Takes a last checkpoint and ends the worker (its connection is closed before it exits). */
  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      // Held by the worker now: a caller awaiting stop() as its last work must not see the
      // process end first (an unref'd worker keeps nothing alive, and the await would never settle).
      this.#worker.ref();
      this.#worker.postMessage('stop');
    }
    await this.#stopped;
  }
}
