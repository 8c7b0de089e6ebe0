// Helpers to run the peers of the conformance tests: Debian's pymodbus (through /usr/bin/python3,
// the interpreter that has it), mbpoll, and tshark for captures.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { startPeer } from '@phasewire/test-kit';

export const run = promisify(execFile);
export const PYTHON = '/usr/bin/python3';
export const peersDirectory = join(import.meta.dirname, 'peers');

export interface PythonPeer {
  /** The first line the peer printed: its name and version. */
  readonly version: string;
  stop(): Promise<void>;
}

/**
 * Starts a peer script from test/peers/ and waits for it to print its version line. It fails at
 * once, with what the peer printed, when the peer exits first (a missing module, say), and the
 * test's after hook stops it whatever the test's outcome.
 */
export async function startPythonPeer(test: TestContext, script: string, args: readonly string[]): Promise<PythonPeer> {
  const peer = await startPeer({ name: `pymodbus peer ${script}`, command: PYTHON, args: [join(peersDirectory, script), ...args], ready: {
    line: /^pymodbus \S+$/ }, test });
  return { version: peer.readyLine, stop: () => peer.stop() };
}

export interface Capture {
  /** Stops the capture and resolves when the file is complete. */
  stop(): Promise<void>;
}

/** Captures loopback traffic to and from `port` into `file` with tshark (needs capture rights; root here). */
export async function startCapture(test: TestContext, port: number, file: string): Promise<Capture> {
  const tshark = await startPeer({ name: 'tshark capture', command: 'tshark', args: ['-i', 'lo', '-f', `tcp port ${port}`, '-w', file],
    ready: { line: /Capture started/ }, stopSignal: 'SIGINT', test });
  return {
    stop: async () => {
      // Let the last packets reach the capture before stopping it.
      await sleep(300);
      await tshark.stop();
    },
  };
}
