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
import type { DatabaseSync } from 'node:sqlite';
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

/** Write commits after which a store's background checkpointer starts. */
const checkpointerAfterCommits = 32;

/** What the background checkpointer has done since the store opened. */
export interface CheckpointStats {
  /** True once the checkpointer runs (from the store's 32nd write commit). */
  readonly background: boolean;
  /** Checkpoints that found frames to copy. */
  readonly checkpoints: number;
  readonly failures: number;
  readonly lastFailure?: string;
}

/**
 * A store's background checkpoints. The checkpointer starts with the store's steady writing, not at
 * open: its worker thread takes 0.03–0.15 s to start, which a store opened for a few writes (a
 * command, a test) would pay for nothing, and until then SQLite's default auto-checkpoint serves.
 */
export class BackgroundCheckpoints {
  readonly #db: DatabaseSync;
  readonly #path: string;
  readonly #enabled: boolean;
  #checkpointer: WalCheckpointer | undefined;
  #commits = 0;
  #stopped = false;
  #checkpoints = 0;
  #failures = 0;
  #lastFailure: string | undefined;

  /** `db`: the writer's connection to `path`; `enabled` false leaves SQLite's auto-checkpoint as it is. */
  constructor(db: DatabaseSync, path: string, enabled: boolean) {
    this.#db = db;
    this.#path = path;
    this.#enabled = enabled;
  }

  /** Counts a committed write transaction of the writer. */
  committed(): void {
    if (++this.#commits !== checkpointerAfterCommits || !this.#enabled || this.#stopped) return;
    // The writer's own auto-checkpoint stays, at a higher threshold, as the backstop.
    this.#db.exec(`PRAGMA wal_autocheckpoint = ${writerBackstopPages}`);
    this.#checkpointer = WalCheckpointer.start({
      path: this.#path,
      onCheckpoint: () => { this.#checkpoints++; },
      onError: (message) => { this.#failures++; this.#lastFailure = message; },
    });
  }

  stats(): CheckpointStats {
    return {
      background: this.#checkpointer !== undefined,
      checkpoints: this.#checkpoints,
      failures: this.#failures,
      ...(this.#lastFailure === undefined ? {} : { lastFailure: this.#lastFailure }),
    };
  }

  /**
   * Call after the writer closed: the checkpointer's connection is then the last one, and closing it
   * copies the rest of the WAL into the database file and removes the WAL.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#checkpointer?.stop();
  }
}
