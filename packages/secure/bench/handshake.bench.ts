// Mutual-TLS handshakes per server CPU-second under the phasewire policy (TLS 1.3,
// TLS_AES_256_GCM_SHA384, P-384, client certificates, CRL checked, the post-handshake revocation
// check), against OpenSSL's own s_server with the same certificates, suite, groups, signature
// algorithms and CRLs, driven by the same client in the same run. Full handshakes are the figure;
// resumed (ticket) handshakes are recorded beside it.
//
// Each server runs in its own process; its CPU time is read from /proc/<pid>/stat (utime + stime)
// at the start and end of a window, and the handshakes completed in that window are counted at the
// client (16 connections in flight; each sends a line, waits for the server's reversed echo, as
// `s_server -rev` gives it, and closes).
// `node handshake.bench.ts serve <dir>` is the phasewire server process.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { createConnection, createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import type { Benchmark, Measurement } from '@phasewire/bench';
import { RevocationSet } from '../src/pki/revocation-set.ts';
import { createTestCa } from '../src/testing/test-ca.ts';
import { createPolicyServer } from '../src/node/tls/policy-server.ts';
import { clientSecureContext, tlsIdentity, tlsTrust } from '../src/node/tls/tls-options.ts';
import type { TlsIdentity, TlsTrust } from '../src/node/tls/tls-options.ts';
import { tlsPolicy } from '../src/tls/tls-policy.ts';

const windowMs = 3000;
const warmupMs = 500;
const inFlight = 16;
/** Linux clock ticks per second (getconf CLK_TCK): the unit of utime and stime in /proc. */
const clockTicks = 100;

interface Fixture {
  readonly directory: string;
  readonly client: TlsIdentity;
  readonly trust: TlsTrust;
}

async function writeFixture(): Promise<Fixture> {
  const directory = await mkdtemp(join(tmpdir(), 'phasewire-bench-handshake-'));
  process.once('exit', () => { rmSync(directory, { recursive: true, force: true }); });
  const testCa = await createTestCa();
  try {
    const server = await testCa.server();
    const client = await testCa.device('m-bench');
    const trust = await testCa.trust();
    const [leaf = '', ...chain] = server.certificateChain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
    await writeFile(join(directory, 'server.pem'), leaf);
    await writeFile(join(directory, 'server-chain.pem'), chain.join(''));
    await writeFile(join(directory, 'server.key'), server.privateKey, { mode: 0o600 });
    await writeFile(join(directory, 'anchors.pem'), testCa.anchors);
    await writeFile(join(directory, 'crl.pem'), trust.crl ?? '');
    // s_server takes CRLs from its CA file (X509_load_cert_crl_file), so it gets both in one.
    await writeFile(join(directory, 'anchors-and-crls.pem'), testCa.anchors + (trust.crl ?? ''));
    return { directory, client: tlsIdentity(client.certificateChain, client.privateKey), trust: tlsTrust(testCa.anchors) };
  } finally {
    await testCa.close();
  }
}

/** The phasewire server process: the policy listener on the fixture's files, port on stdout. */
async function serve(directory: string): Promise<void> {
  const read = (name: string) => readFile(join(directory, name), 'utf8');
  const identity = tlsIdentity(await read('server.pem') + await read('server-chain.pem'), await read('server.key'));
  const trust = tlsTrust(await read('anchors.pem'), await read('crl.pem'));
  // Answers each line reversed, as `s_server -rev` does.
  const server = createPolicyServer({ identity, trust, revocations: () => RevocationSet.empty }, (socket) => {
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      socket.write(Buffer.concat([Buffer.from(chunk.subarray(0, -1)).reverse(), chunk.subarray(-1)]));
    });
  });
  server.server.on('tlsClientError', () => undefined);
  const port = await server.listen(0, '127.0.0.1');
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}

interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
}

function startProcess(command: string, args: readonly string[], portOf: (line: string) => number | undefined): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        const port = portOf(line);
        if (port !== undefined) {
          child.stdout.off('data', onData);
          resolve({ child, port });
          return;
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', () => undefined);
    child.on('error', reject);
    child.on('exit', (code) => { reject(new Error(`${command} exited with ${code ?? 'a signal'} before listening: ${output}`)); });
  });
}

function startNode(fixture: Fixture): Promise<ServerProcess> {
  return startProcess(process.execPath, [new URL(import.meta.url).pathname, 'serve', fixture.directory], (line) => {
    const match = /^\{"port":(\d+)\}$/.exec(line.trim());
    return match === null ? undefined : Number(match[1]);
  });
}

/** A port that was free a moment ago (s_server block-buffers its "ACCEPT <port>" line on a pipe). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => { resolve(port); });
    });
  });
}

/** Resolves once something accepts TCP connections on `port`. */
async function listening(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`openssl s_server exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => { socket.destroy(); resolve(true); });
      socket.once('error', () => { resolve(false); });
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`openssl s_server did not listen on port ${port}`);
}

async function startOpenssl(fixture: Fixture): Promise<ServerProcess> {
  const file = (name: string) => join(fixture.directory, name);
  const port = await freePort();
  const child = spawn('openssl', [
    's_server', '-accept', `127.0.0.1:${port}`, '-quiet', '-rev',
    '-cert', file('server.pem'), '-cert_chain', file('server-chain.pem'), '-key', file('server.key'),
    '-CAfile', file('anchors-and-crls.pem'), '-crl_check_all', '-Verify', '1', '-verify_return_error',
    '-tls1_3', '-ciphersuites', tlsPolicy.ciphers, '-groups', tlsPolicy.groups, '-sigalgs', tlsPolicy.signatureAlgorithms,
  ], { stdio: ['pipe', 'ignore', 'ignore'] });
  await listening(port, child);
  return { child, port };
}

async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the ")" that closes the command name; utime and stime are fields 14 and 15 (proc(5)).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

interface WindowResult {
  readonly handshakes: number;
  readonly cpu: number;
  readonly resumed: number;
  readonly errors: number;
}

/** Drives `port` with `inFlight` connections for a warm-up and a measured window. */
async function drive(server: ServerProcess, fixture: Fixture, resume: boolean): Promise<WindowResult> {
  const secureContext = clientSecureContext(fixture.client, fixture.trust);
  let session: Buffer | undefined;
  let counting = false;
  let stopping = false;
  let handshakes = 0;
  let resumed = 0;
  let errors = 0;
  const one = (): Promise<void> => new Promise((resolve) => {
    const socket = connect({
      host: '127.0.0.1', port: server.port, secureContext, minVersion: tlsPolicy.minVersion,
      ...(resume && session !== undefined ? { session } : {}),
    });
    let done = false;
    socket.on('session', (ticket: Buffer) => { session = ticket; });
    socket.once('secureConnect', () => { socket.write('x\n'); });
    // The echo proves the server finished its side of the handshake (it read the Finished).
    socket.once('data', () => {
      done = true;
      if (counting) {
        handshakes += 1;
        if (socket.isSessionReused()) resumed += 1;
      }
      socket.destroy();
    });
    socket.on('error', () => {
      if (!done && counting) errors += 1;
    });
    socket.on('close', () => { resolve(); });
  });
  const loop = async (): Promise<void> => {
    while (!stopping) await one();
  };
  if (resume) await one();
  const loops = Array.from({ length: inFlight }, () => loop());
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  const pid = server.child.pid ?? 0;
  const cpuStart = await cpuSeconds(pid);
  counting = true;
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  counting = false;
  const cpu = await cpuSeconds(pid) - cpuStart;
  stopping = true;
  await Promise.all(loops);
  return { handshakes, cpu, resumed, errors };
}

function stop(server: ServerProcess): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) {
      resolve();
      return;
    }
    server.child.removeAllListeners('exit');
    server.child.once('exit', () => { resolve(); });
    server.child.kill('SIGTERM');
  });
}

let fixture: Promise<Fixture> | undefined;

const benchmark: Benchmark = {
  name: 'handshake',
  title: 'Full mTLS handshakes per server CPU-second under the TLS policy, against openssl s_server (resumed recorded beside)',
  target: { atLeast: 0.9 },
  runs: 3,
  async measure(): Promise<Measurement> {
    fixture ??= writeFixture();
    const files = await fixture;
    const node = await startNode(files);
    const openssl = await startOpenssl(files);
    try {
      const nodeFull = await drive(node, files, false);
      const opensslFull = await drive(openssl, files, false);
      const opensslResumed = await drive(openssl, files, true);
      const nodeResumed = await drive(node, files, true);
      const rate = (result: WindowResult) => result.handshakes / result.cpu;
      for (const [name, result] of [['phasewire full', nodeFull], ['openssl full', opensslFull]] as const) {
        if (result.handshakes === 0 || result.errors > result.handshakes / 100) {
          throw new Error(`${name}: ${result.handshakes} handshakes, ${result.errors} errors`);
        }
      }
      return {
        figure: { label: 'phasewire full mTLS handshakes per server CPU-second', value: rate(nodeFull), unit: 'handshakes/CPU-s' },
        reference: {
          label: 'openssl s_server full mTLS handshakes per server CPU-second',
          value: rate(opensslFull),
          unit: 'handshakes/CPU-s',
          kind: 'peer',
        },
        extra: {
          phasewireResumedPerCpuSecond: rate(nodeResumed),
          opensslResumedPerCpuSecond: rate(opensslResumed),
          resumedRatio: rate(nodeResumed) / rate(opensslResumed),
          phasewireResumedShare: nodeResumed.resumed / Math.max(1, nodeResumed.handshakes),
          opensslResumedShare: opensslResumed.resumed / Math.max(1, opensslResumed.handshakes),
          phasewireFullPerSecond: nodeFull.handshakes / (windowMs / 1000),
          opensslFullPerSecond: opensslFull.handshakes / (windowMs / 1000),
        },
      };
    } finally {
      await stop(node);
      await stop(openssl);
    }
  },
};

export default benchmark;

if (import.meta.main && process.argv[2] === 'serve' && process.argv[3] !== undefined) {
  await serve(process.argv[3]);
} else if (import.meta.main) {
  console.log(JSON.stringify(await benchmark.measure(), null, 1));
}
