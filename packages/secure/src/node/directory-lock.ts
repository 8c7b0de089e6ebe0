// One process at a time in a directory: a lock file made with O_EXCL that holds the owner's pid.
// A lock whose process no longer runs is taken over (a crash leaves it behind); a live holder
// refuses the newcomer, or is waited for up to `waitMs` when the holds are short (the CA directory
// shared by `phasewire server` and `phasewire pki`). The same process opening the directory twice
// is refused too: its pid is alive.
import { open, readFile, rm, stat } from 'node:fs/promises';
import process from 'node:process';

export interface DirectoryLockOptions {
  /** How long to wait for a live holder to let go (default 0: refuse at once). */
  readonly waitMs?: number;
  /** The error for a live holder (after the wait); `pid` is the holder's. */
  readonly held: (pid: number) => Error;
  /** The error for a lock file that cannot be made or read. */
  readonly failed: (error: unknown) => Error;
}

const retryMs = 25;
/** An empty lock file older than this was left by a crash between its creation and its pid. */
const tornAfterMs = 1000;

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}

/** Whether a process with this pid runs (one of another user counts: EPERM). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isCode(error, 'EPERM');
  }
}

async function youngerThan(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs < ms;
  } catch {
    return false;
  }
}

/** The pid in a lock file, or undefined when there is none (or it is not a pid). */
export async function lockHolder(path: string): Promise<number | undefined> {
  const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  return Number.isSafeInteger(holder) && holder > 0 ? holder : undefined;
}

export class DirectoryLock {
  readonly path: string;
  #held = true;

  private constructor(path: string) {
    this.path = path;
  }

  /** Takes the lock file at `path` for this process. */
  static async acquire(path: string, options: DirectoryLockOptions): Promise<DirectoryLock> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      try {
        const handle = await open(path, 'wx', 0o600);
        try {
          await handle.writeFile(`${process.pid}\n`);
        } finally {
          await handle.close();
        }
        return new DirectoryLock(path);
      } catch (error) {
        if (!isCode(error, 'EEXIST')) throw options.failed(error);
      }
      const holder = await lockHolder(path);
      const alive = holder !== undefined && processAlive(holder);
      if (alive && Date.now() >= deadline) throw options.held(holder);
      // An empty lock file is a holder between open and write, unless it is older than that takes.
      if (alive || (holder === undefined && await youngerThan(path, tornAfterMs))) {
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        continue;
      }
      // Left by a process that is gone (or torn by a crash while being written): take it over.
      await rm(path, { force: true });
    }
  }

  get held(): boolean {
    return this.#held;
  }

  async release(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    await rm(this.path, { force: true });
  }
}
