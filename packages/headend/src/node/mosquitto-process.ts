// Runs Debian's Mosquitto as the external broker for tests and the CLI: writes the generated
// configuration, ACL, certificates and CRL into a directory, starts it on a loopback port and
// reloads it (SIGHUP) when the CRL or the gateway relations change.
import { EventEmitter } from 'node:events';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { TransportError } from '@phasewire/core';
import type { TlsIdentity } from '@phasewire/secure/node';
import { mosquittoAcl, mosquittoConfig } from '../mosquitto-config.ts';

export interface MosquittoOptions {
  readonly dir: string;
  readonly identity: TlsIdentity;
  /** CA certificates (PEM) that device certificates chain to. */
  readonly anchors: string;
  /** The current CRLs (PEM), read at start and at every reload. */
  readonly crl: () => Promise<string>;
  readonly ingestUser: string;
  readonly gateways: () => readonly { gateway: string; meters: readonly string[] }[];
  readonly port?: number;
  readonly binary?: string;
  /** Bounds of the listener (mosquitto-config.ts); Mosquitto's defaults (none) when absent. */
  readonly maxPacketBytes?: number;
  readonly maxConnections?: number;
  /**
   * Start Mosquitto again when it exits on its own (crash, OOM kill): at most `maxRestarts` within
   * `windowMs`, each logged; past that it stays down and /readyz says so. Absent: not restarted.
   */
  readonly supervise?: {
    readonly maxRestarts: number;
    readonly windowMs: number;
    readonly log: (level: 'warn' | 'error', msg: string) => void;
  };
}

export interface MosquittoProcess {
  readonly port: number;
  /** Rewrites the CRL and the ACL and has Mosquitto reload them (SIGHUP). */
  reload(): Promise<void>;
  /** What Mosquitto wrote to stderr (its log). */
  log(): string;
  stop(): Promise<void>;
  /** SIGKILL, for crash tests. */
  kill(): void;
  /** The process id (a test stops and continues it with SIGSTOP and SIGCONT); a new one after a restart. */
  readonly pid: number | undefined;
  /** How often it was started again after exiting on its own. */
  readonly restarts: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => { resolve(port); });
    });
  });
}

function waitForPort(port: number, child: ChildProcess, log: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null) {
        reject(new TransportError('PW_ERR_HEADEND_BROKER', `Cannot start Mosquitto: it exited with code ${child.exitCode}: ${log()}`));
        return; }
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(); });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline)
          reject(new TransportError('PW_ERR_HEADEND_BROKER',
            `Cannot start Mosquitto: port ${port} not open after ${timeoutMs} ms: ${log()}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** How long a reload may take before it counts as failed, ms. */
const reloadTimeoutMs = 5000;

export async function startMosquitto(options: MosquittoOptions): Promise<MosquittoProcess> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const files = {
    cafile: join(options.dir, 'ca.pem'),
    certfile: join(options.dir, 'server.pem'),
    keyfile: join(options.dir, 'server.key'),
    crlfile: join(options.dir, 'crl.pem'),
    aclfile: join(options.dir, 'acl'),
    persistenceLocation: `${options.dir}/`,
  };
  const writeAcl = (): Promise<void> =>
    writeFile(files.aclfile, mosquittoAcl({ ingestUsers: [options.ingestUser], gateways: options.gateways() }), { mode: 0o600 });
  await writeFile(files.cafile, options.anchors);
  await writeFile(files.certfile, options.identity.certificateChain);
  await writeFile(files.keyfile, options.identity.privateKey, { mode: 0o600 });
  await writeFile(files.crlfile, await options.crl());
  await writeAcl();
  const port = options.port ?? await freePort();
  const configFile = join(options.dir, 'mosquitto.conf');
  await writeFile(configFile, mosquittoConfig({
    port, host: '127.0.0.1', files, ...(process.getuid?.() === 0 ? { user: 'root' } : {}),
    ...(options.maxPacketBytes === undefined ? {} : { maxPacketBytes: options.maxPacketBytes }),
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
  }));
  let stderr = '';
  let partialLine = '';
  let reloads = 0;
  let stopping = false;
  let restarts = 0;
  const restartTimes: number[] = [];
  const reloaded = new EventEmitter();
  const spawnBroker = (): { child: ChildProcess; exited: Promise<void> } => {
    const child = spawn(options.binary ?? 'mosquitto', ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr = (stderr + text).slice(-20_000);
      const lines = (partialLine + text).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) {
        if (line.endsWith('Reloading config.')) { reloads++; reloaded.emit('reload'); }
      }
    });
    const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve(); }); });
    return { child, exited };
  };
  let current = spawnBroker();
  try {
    await waitForPort(port, current.child, () => stderr);
  } catch (error) {
    current.child.kill('SIGKILL');
    throw error;
  }
  const supervise = options.supervise;
  const watch = (running: ChildProcess): void => {
    running.once('exit', (code, signal) => {
      if (stopping || supervise === undefined) return;
      const now = Date.now();
      while (restartTimes.length > 0 && (restartTimes[0] ?? now) < now - supervise.windowMs) restartTimes.shift();
      if (restartTimes.length >= supervise.maxRestarts) {
        supervise.log('error', `Mosquitto exited (code ${code ?? 'none'}, signal ${signal ?? 'none'}) and has been restarted `
          + `${restartTimes.length} times in ${supervise.windowMs} ms: not restarting it again. ${stderr.slice(-300)}`);
        return;
      }
      restartTimes.push(now);
      restarts++;
      supervise.log('warn', `Mosquitto exited unexpectedly (code ${code ?? 'none'}, signal ${signal ?? 'none'}): `
        + `restarting it on port ${port} (restart ${restartTimes.length} of at most ${supervise.maxRestarts} in ${supervise.windowMs} ms)`);
      current = spawnBroker();
      watch(current.child);
      waitForPort(port, current.child, () => stderr).catch((error: unknown) => {
        supervise.log('error', `Cannot restart Mosquitto: ${(error as Error).message}`);
      });
    });
  };
  watch(current.child);
  return {
    port,
    get pid() { return current.child.pid; },
    get restarts() { return restarts; },
    async reload() {
      await writeFile(files.crlfile, await options.crl());
      await writeAcl();
      // Mosquitto rereads its configuration, CRL and ACL in the main-loop turn in which it logs
      // 'Reloading config.': once that line is here, a new connection meets the new CRL. Without
      // the wait, a revoked device that reconnects at once could race the reload.
      const before = reloads;
      const seen = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => { reloaded.off('reload', check);
          reject(new TransportError('PW_ERR_HEADEND_BROKER', `Cannot reload Mosquitto: no 'Reloading config.' within ${reloadTimeoutMs} ms `
          + `of SIGHUP: ${stderr.slice(-500)}`)); }, reloadTimeoutMs);
        const check = (): void => { if (reloads > before) { clearTimeout(timer); reloaded.off('reload', check); resolve(); } };
        reloaded.on('reload', check);
      });
      current.child.kill('SIGHUP');
      await seen;
    },
    log: () => stderr,
    async stop() {
      stopping = true;
      if (current.child.exitCode === null && current.child.signalCode === null) current.child.kill('SIGTERM');
      await current.exited;
    },
    kill() { current.child.kill('SIGKILL'); },
  };
}
