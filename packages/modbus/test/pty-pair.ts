// A pair of connected pseudo-terminals from socat, to put a serial client and server (ours or a
// peer's) on the two ends of a virtual null-modem cable. ptys ignore the baud rate, so timing is
// tested on the simulated bus; this checks bytes and framing.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PtyPair {
  readonly a: string;
  readonly b: string;
  /** Kills socat (both ends go away, as when a USB adapter is pulled). */
  cut(): Promise<void>;
  /** Starts socat again with the same two paths. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function openPtyPair(): Promise<PtyPair> {
  const directory = await mkdtemp(join(tmpdir(), 'phasewire-pty-'));
  const a = join(directory, 'a');
  const b = join(directory, 'b');
  let socat: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const child = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
    socat = child;
    for (let attempt = 0; attempt < 100 && !(existsSync(a) && existsSync(b)); attempt++) await sleep(20);
    if (!(existsSync(a) && existsSync(b))) {
      child.kill();
      throw new Error('socat did not create the pty pair within 2 s');
    }
  };
  const stop = async (): Promise<void> => {
    const child = socat;
    socat = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill();
    await exited;
  };
  await start();
  return {
    a,
    b,
    cut: stop,
    restore: start,
    close: async () => {
      await stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
