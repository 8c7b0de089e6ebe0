// Peers for tests: programs no one here wrote (pymodbus, socat, tshark, mbpoll, …) started as child
// processes. A start fails fast, and says what it waited for: when the peer exits before it is ready
// (with what it printed), or when it is not ready within its start timeout. A started peer never
// outlives its test: it is stopped in the test's `after` hook when one is given, and every peer still
// running when the test process exits (a failed test, a timeout, --test-force-exit) is killed then.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** How ready a peer is: a line it prints (stdout or stderr), or a condition polled every 50 ms. */
export type Readiness =
  | { readonly line: RegExp }
  | { readonly check: () => boolean | Promise<boolean>; readonly what: string };

export interface PeerOptions {
  /** What the peer is, for messages: 'pymodbus server', 'socat pty pair'. */
  readonly name: string;
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly ready: Readiness;
  /** ms; default 15 s. */
  readonly startTimeoutMs?: number;
  /** The test (`t`, or the `node:test` module for a file-wide peer) whose `after` hook stops the peer. */
  readonly test?: { after(fn: () => Promise<void>): void };
  /** How stop() asks the peer to end before it is killed; default SIGTERM. */
  readonly stopSignal?: NodeJS.Signals;
}

export interface Peer {
  readonly pid: number;
  /** The line that made it ready (empty for a polled condition). */
  readonly readyLine: string;
  /** The last 20,000 characters it printed, stdout and stderr as they came. */
  output(): string;
  /** Whether the process is still running. */
  running(): boolean;
  /** Asks it to end (stopSignal), kills it after 5 s, and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills (SIGKILL) every tracked child that is still running. Synchronous: runs in an 'exit' handler. */
export function killAllPeers(): void {
  for (const child of running) {
    if (alive(child)) child.kill('SIGKILL');
  }
  running.clear();
}

/** Tracks a child process so that it is killed when the test process exits, whatever ended it. */
export function trackChild(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', killAllPeers);
  }
  running.add(child);
  child.once('exit', () => { running.delete(child); });
}

function alive(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** Starts a peer and resolves once it is ready; rejects (and kills it) when it exits first or takes too long. */
export async function startPeer(options: PeerOptions): Promise<Peer> {
  const args = options.args ?? [];
  const timeoutMs = options.startTimeoutMs ?? 15_000;
  const described = `${options.name} (${[options.command, ...args].join(' ')})`;
  const child = spawn(options.command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  trackChild(child);
  const exited = new Promise<void>((resolve) => { child.once('close', () => { resolve(); }); });
  let printed = '';
  let readyLine = '';
  let partial = '';
  let onLine: ((line: string) => void) | undefined;
  const take = (chunk: Buffer): void => {
    const text = chunk.toString();
    printed = (printed + text).slice(-20_000);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine?.(line);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);

  const stop = async (): Promise<void> => {
    if (child.pid === undefined) return; // never started: nothing to wait for
    if (!alive(child)) { await exited; return; }
    child.kill(options.stopSignal ?? 'SIGTERM');
    const ended = await Promise.race([exited.then(() => true), sleep(5000, false, { ref: false })]);
    if (!ended) child.kill('SIGKILL');
    await exited;
  };
  options.test?.after(stop);

  const waitedFor = 'line' in options.ready ? `a line matching ${String(options.ready.line)}` : options.ready.what;
  const said = (): string => (printed.trim() === '' ? 'it printed nothing' : `it printed: ${printed.trim().slice(-2000)}`);
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        done(new Error(`Cannot start ${described}: waited ${timeoutMs} ms for ${waitedFor}; ${said()}`));
      }, timeoutMs);
      const done = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        onLine = undefined;
        if (error === undefined) resolve(); else reject(error);
      };
      child.once('error', (error) => { done(new Error(`Cannot start ${described}: ${error.message}`, { cause: error })); });
      void exited.then(() => {
        const how = child.signalCode === null ? `code ${String(child.exitCode)}` : `signal ${child.signalCode}`;
        done(new Error(`Cannot start ${described}: it exited with ${how} before ${waitedFor}; ${said()}`));
      });
      const ready = options.ready;
      if ('line' in ready) {
        onLine = (line) => { if (ready.line.test(line)) { readyLine = line.trim(); done(); } };
      } else {
        const poll = async (): Promise<void> => {
          while (!settled && alive(child)) {
            if (await ready.check()) { done(); return; }
            await sleep(50);
          }
        };
        void poll();
      }
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    pid: child.pid ?? -1,
    readyLine,
    output: () => printed,
    running: () => alive(child),
    stop,
  };
}
