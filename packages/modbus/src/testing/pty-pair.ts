// A pair of connected pseudo-terminals from socat, to put a serial client and server (ours or a
// peer's) on the two ends of a virtual null-modem cable. ptys ignore the baud rate, so timing is
// tested on the simulated bus; this checks bytes and framing.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPeer, type Peer } from '@phasewire/test-kit';

export interface PtyPair {
  readonly a: string;
  readonly b: string;
  /** Kills socat (both ends go away, as when a USB adapter is pulled). */
  cut(): Promise<void>;
  /** Starts socat again with the same two paths. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens a pair. Given the test (`t`, or `node:test` for a file-wide pair), its after hook closes the
 * pair whatever the test's outcome; socat is killed when the test process exits in any case.
 */
export async function openPtyPair(test?: { after(fn: () => Promise<void>): void }): Promise<PtyPair> {
  const directory = await mkdtemp(join(tmpdir(), 'phasewire-pty-'));
  const a = join(directory, 'a');
  const b = join(directory, 'b');
  let socat: Peer | undefined;
  const start = async (): Promise<void> => {
    socat = await startPeer({
      name: 'socat pty pair',
      command: 'socat',
      args: [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`],
      ready: { check: () => existsSync(a) && existsSync(b), what: `the links ${a} and ${b}` },
      startTimeoutMs: 5000,
    });
  };
  const stop = async (): Promise<void> => {
    const peer = socat;
    socat = undefined;
    await peer?.stop();
  };
  const close = async (): Promise<void> => {
    await stop();
    await rm(directory, { recursive: true, force: true });
  };
  try {
    await start();
  } catch (error) {
    await close();
    throw error;
  }
  test?.after(close);
  return { a, b, cut: stop, restore: start, close };
}
