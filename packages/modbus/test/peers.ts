// Helpers to run the peers of the conformance tests: Debian's pymodbus (through /usr/bin/python3,
// the interpreter that has it), mbpoll, and tshark for captures.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const PYTHON = '/usr/bin/python3';
export const peersDirectory = join(import.meta.dirname, 'peers');

/** A port that was free a moment ago (for peers that need a port number on their command line). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

export async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => { resolve(false); });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`Nothing listens on port ${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

export interface Peer {
  /** The first line the peer printed: its name and version. */
  readonly version: string;
  stop(): Promise<void>;
}

/** Starts a peer script from test/peers/ and waits for it to print its version line. */
export async function startPythonPeer(script: string, args: readonly string[]): Promise<Peer> {
  const child: ChildProcess = spawn(PYTHON, [join(peersDirectory, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const version = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline >= 0) resolve(stdout.slice(0, newline).trim());
    });
    child.once('exit', (code) => { reject(new Error(`${script} exited with ${String(code)}: ${stderr}`)); });
  });
  return {
    version,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill();
      await exited;
    },
  };
}

export interface Capture {
  /** Stops the capture and resolves when the file is complete. */
  stop(): Promise<void>;
}

/** Captures loopback traffic to and from `port` into `file` with tshark (needs capture rights; root here). */
export async function startCapture(port: number, file: string): Promise<Capture> {
  const child = spawn('tshark', ['-i', 'lo', '-f', `tcp port ${port}`, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('Capture started')) resolve();
    });
    child.once('exit', (code) => { reject(new Error(`tshark exited with ${String(code)}: ${stderr}`)); });
  });
  return {
    stop: async () => {
      // Let the last packets reach the capture before stopping it.
      await sleep(300);
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      await exited;
    },
  };
}
