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
  /** The process id (a test stops and continues it with SIGSTOP and SIGCONT). */
  readonly pid: number | undefined;
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
  const reloaded = new EventEmitter();
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
  try {
    await waitForPort(port, child, () => stderr);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    port,
    pid: child.pid,
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
      child.kill('SIGHUP');
      await seen;
    },
    log: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    kill() { child.kill('SIGKILL'); },
  };
}
