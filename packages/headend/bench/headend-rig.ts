// The rig of the head-end benchmarks (headend-*.bench.ts): a test CA with a server identity and one
// certificate and envelope key per simulated device; the servers under test, each in its own
// process (the phasewire head-end, the straight-line prototype, Debian's Mosquitto with a counting
// subscriber); and the load generator in another process (headend-load.ts). A server's CPU time
// and RSS are read from /proc/<pid>, so they hold that process alone.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { connect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import mqttPacket from 'mqtt-packet';
import { tlsClientOptions, tlsIdentity, tlsTrust } from '@phasewire/secure/node';
import { createTestCa } from '@phasewire/secure/testing';
import { startMosquitto } from '../src/node/mosquitto-process.ts';
import type { LoadConfig, LoadDevice, LoadReport } from './headend-load.ts';
import type { ServerConfig, ServerStats } from './headend-server.ts';
import { mqttFrameAt } from './mqtt-frame.ts';
import type { Measurement } from '@phasewire/bench';

/** Linux clock ticks per second (getconf CLK_TCK): the unit of utime and stime in /proc. */
const clockTicks = 100;

export interface PemIdentity {
  readonly chain: string;
  readonly key: string;
}

/** What the rig's CA issued, as PEM. */
export interface RigData {
  readonly anchors: string;
  readonly crl: string;
  readonly server: PemIdentity;
  /** The ingest user's certificate (Mosquitto's counting subscriber). */
  readonly ingest: PemIdentity;
  readonly devices: readonly LoadDevice[];
}

export interface Rig extends RigData {
  readonly dir: string;
}

let cached: Promise<Rig> | undefined;
let cachedCount = 0;

/**
 * A rig with at least `count` devices; kept for the whole process (benchmarks run several times).
 * PW_BENCH_HEADEND_RIG=<file> also keeps the CA's output (PEM only) in that file across processes,
 * to iterate without issuing thousands of certificates each time.
 */
export function rig(count: number): Promise<Rig> {
  if (cached !== undefined && cachedCount >= count) return cached;
  const previous = cached;
  cachedCount = count;
  cached = (async () => {
    const file = process.env['PW_BENCH_HEADEND_RIG'];
    let base: RigData | undefined = previous === undefined ? undefined : await previous;
    if (base === undefined && file !== undefined && existsSync(file)) base = JSON.parse(readFileSync(file, 'utf8')) as RigData;
    if (base !== undefined && base.devices.length >= count) return withDir(base);
    const ca = await createTestCa();
    try {
      // A larger rig is issued afresh by one CA: every device must chain to the same anchors.
      const server = await ca.server();
      const ingest = await ca.device('headend-ingest', { kind: 'gateway' });
      const devices: LoadDevice[] = [];
      for (let i = 0; i < count; i++) {
        const id = `meter-b${String(i).padStart(6, '0')}`;
        // P-256 device keys: the cheapest client certificate the TLS policy accepts.
        const identity = await ca.device(id, { curve: 'P-256' });
        devices.push({ id, chain: identity.certificateChain, key: identity.privateKey, envelopeKey: randomBytes(32).toString('hex') });
      }
      const data: RigData = {
        anchors: ca.anchors, crl: (await ca.trust()).crl ?? '',
        server: { chain: server.certificateChain, key: server.privateKey },
        ingest: { chain: ingest.certificateChain, key: ingest.privateKey },
        devices,
      };
      if (file !== undefined) writeFileSync(file, JSON.stringify(data), { mode: 0o600 });
      return await withDir(data);
    } finally {
      await ca.close();
    }
  })();
  return cached;
}

async function withDir(data: RigData): Promise<Rig> {
  if ('dir' in data && typeof data.dir === 'string') return data as Rig;
  const dir = await mkdtemp(join(tmpdir(), 'phasewire-bench-headend-'));
  process.once('exit', () => { rmSync(dir, { recursive: true, force: true }); });
  return { ...data, dir };
}

/** CPU time (user + system) of a process, ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) in parentheses; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1000 / clockTicks);
}

/** Resident set size of a process, bytes. */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/** Waits for the first IPC message of `type` from a child. */
export function reply<T>(child: ChildProcess, type: string, timeoutMs = 600_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error(`no '${type}' from the child within ${timeoutMs} ms`)); }, timeoutMs);
    const onMessage = (message: { type?: string }): void => { if (message.type === type) { cleanup(); resolve(message as T); } };
    const onExit =
      (code: number | null): void => { cleanup(); reject(new Error(`the child exited (${code ?? 'signal'}) before '${type}'`)); };
    const cleanup = (): void => { clearTimeout(timer); child.off('message', onMessage); child.off('exit', onExit); };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export interface ServerUnderTest {
  readonly pid: number;
  readonly port: number;
  /** Readings stored (head-end, prototype) or messages forwarded (Mosquitto). */
  stored(): Promise<number>;
  /** Event-loop delay since reset (Node servers only). */
  stats(): Promise<ServerStats | undefined>;
  reset(): void;
  /** A full GC in the server (Node servers; Mosquitto has none). */
  gc(): Promise<void>;
  kill(): void;
  stop(): Promise<void>;
}

let serial = 0;

export async function startNodeServer(r: Rig, mode: 'headend' | 'prototype', port = 0, dataDir?: string): Promise<ServerUnderTest> {
  const dir = dataDir ?? await mkdtemp(join(r.dir, `${mode}-`));
  const config: ServerConfig = {
    mode, dir, chain: r.server.chain, key: r.server.key, anchors: r.anchors, port,
    keys: Object.fromEntries(r.devices.map((d) => [d.id, d.envelopeKey])),
  };
  const file = join(r.dir, `server-${serial++}.json`);
  await writeFile(file, JSON.stringify(config));
  // PW_BENCH_HEADEND_CPU_PROF=<dir>: a V8 CPU profile of each server's whole life (`--cpu-prof`, written
  // when it exits on SIGTERM), for benches such as T5 whose window has no reset/stats to hang
  // PW_BENCH_HEADEND_PROFILE on; a server killed with SIGKILL writes none.
  const cpuProf = process.env['PW_BENCH_HEADEND_CPU_PROF'];
  const profArgs = cpuProf === undefined || cpuProf === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`];
  const child = fork(join(import.meta.dirname, 'headend-server.ts'), [file],
    { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: ['--expose-gc', ...profArgs] });
  const listening = await reply<{ port: number }>(child, 'listening', 60_000);
  const stats = async (): Promise<ServerStats> => {
    const answer = reply<ServerStats>(child, 'stats');
    child.send({ type: 'stats' });
    return answer;
  };
  const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve(); }); });
  return {
    pid: child.pid ?? 0,
    port: listening.port,
    stored: async () => (await stats()).stored,
    stats,
    reset: () => { child.send({ type: 'reset' }); },
    gc: async () => { const done = reply(child, 'gc-done'); child.send({ type: 'gc' }); await done; },
    kill: () => { child.kill('SIGKILL'); },
    stop: async () => { if (child.exitCode === null) child.kill('SIGTERM'); await exited; },
  };
}

/** The pid of the process whose command line holds `needle` (Mosquitto, found by its config file). */
function pidOf(needle: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) return Number(entry);
    } catch {
      // The process ended while the directory was read.
    }
  }
  throw new Error(`no process with ${needle} in its command line`);
}

/**
 * A lean QoS 1 subscriber on every device's uplink, as the ingest's user: it counts each PUBLISH and
 * PUBACKs the PUBLISHes of one socket read in one write, so that it costs Mosquitto's peer as
 * little as the load generator's client costs the head-end.
 */
function countingSubscriber(r: Rig, port: number, onMessage: () => void): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port,
      ...tlsClientOptions(tlsIdentity(r.ingest.chain, r.ingest.key), tlsTrust(r.anchors), { servername: 'localhost' }) });
    let pending = Buffer.alloc(0);
    socket.on('secureConnect', () => {
      socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'headend-ingest', clean: true,
        keepalive: 0 }));
      socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'pw/v1/+/up/readings', qos: 1 }] }));
    });
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      const buffer = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const acks: number[] = [];
      let offset = 0;
      for (let frame = mqttFrameAt(buffer, offset); frame !== undefined; frame = mqttFrameAt(buffer, offset)) {
        const type = frame.first >> 4;
        if (type === 3) {
          onMessage();
          if (((frame.first >> 1) & 3) === 1) acks.push(buffer.readUInt16BE(frame.body + 2 + buffer.readUInt16BE(frame.body)));
        } else if (type === 9) {
          resolve(socket);
        }
        offset = frame.end;
      }
      pending = offset === buffer.length ? Buffer.alloc(0) : Buffer.from(buffer.subarray(offset));
      if (acks.length > 0) {
        const out = Buffer.allocUnsafe(acks.length * 4);
        acks.forEach((id, i) => { out[i * 4] = 0x40; out[i * 4 + 1] = 2; out.writeUInt16BE(id, i * 4 + 2); });
        socket.write(out);
      }
    });
  });
}

/** Debian's Mosquitto with the project's generated configuration, and a QoS 1 subscriber counting uplink. */
export async function startMosquittoPeer(r: Rig, subscribe = true): Promise<ServerUnderTest> {
  const dir = await mkdtemp(join(r.dir, 'mosquitto-'));
  const mosquitto = await startMosquitto({ dir, identity: tlsIdentity(r.server.chain, r.server.key), anchors: r.anchors,
    crl: () => Promise.resolve(r.crl), ingestUser: 'headend-ingest', gateways: () => [] });
  const pid = pidOf(join(dir, 'mosquitto.conf'));
  let received = 0;
  const subscriber = subscribe ? await countingSubscriber(r, mosquitto.port, () => { received++; }) : undefined;
  return {
    pid,
    port: mosquitto.port,
    stored: () => Promise.resolve(received),
    stats: () => Promise.resolve(undefined),
    reset: () => undefined,
    gc: () => Promise.resolve(),
    kill: () => { mosquitto.kill(); },
    stop: async () => { subscriber?.destroy(); await mosquitto.stop(); },
  };
}

export interface LoadGenerator {
  readonly child: ChildProcess;
  prepare(): Promise<number>;
  connect(): Promise<Extract<LoadReport, { type: 'connected' }>>;
  reconnect(port: number): Promise<Extract<LoadReport, { type: 'connected' }>>;
  go(): Promise<Extract<LoadReport, { type: 'done' }>>;
  close(): Promise<void>;
}

export async function startLoad(r: Rig, config: LoadConfig): Promise<LoadGenerator> {
  const file = join(r.dir, `load-${serial++}.json`);
  await writeFile(file, JSON.stringify(config));
  const child = fork(join(import.meta.dirname, 'headend-load.ts'), [file], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await reply(child, 'ready', 60_000);
  const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve(); }); });
  const ask = <T>(type: string, answer: string, extra: object = {}): Promise<T> => {
    const result = reply<T>(child, answer);
    child.send({ type, ...extra });
    return result;
  };
  return {
    child,
    prepare: async () => (await ask<{ messages: number }>('prepare', 'prepared')).messages,
    connect: () => ask('connect', 'connected'),
    reconnect: (port) => ask('reconnect', 'connected', { port }),
    go: () => ask('go', 'done'),
    close: async () => { if (child.connected) child.send({ type: 'close' });
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL'); },
  };
}

/** Waits until `done()` holds, polling every `everyMs`; false after `timeoutMs`. */
export async function until(done: () => Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await done()) return true;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return done();
}

export interface ThroughputResult {
  readonly readingsPerSecond: number;
  /** Server CPU per reading, µs (the server process alone). */
  readonly cpuMicrosecondsPerReading: number;
  /** Server CPU share over the run, in cores. */
  readonly serverCores: number;
  readonly loadCores: number;
  readonly loopP99Ms?: number;
  readonly loopMaxMs?: number;
  readonly seconds: number;
}

export interface ThroughputOptions {
  readonly devices: number;
  readonly messagesPerDevice: number;
  readonly snapshots: number;
  readonly quantities: number;
  readonly window: number;
}

/**
 * Sends every prepared message through one server and times it from the first PUBLISH until the
 * last PUBACK (head-end, prototype: a PUBACK means committed) or, for Mosquitto, until the last
 * PUBACK and the subscriber has received every message.
 */
export async function throughput(
  kind: 'headend' | 'prototype' | 'mosquitto',
  options: ThroughputOptions,
  t0 = Date.UTC(2026, 0, 1),
): Promise<ThroughputResult> {
  const r = await rig(options.devices);
  const server = kind === 'mosquitto' ? await startMosquittoPeer(r) : await startNodeServer(r, kind);
  const load = await startLoad(r,
    { port: server.port, anchors: r.anchors, devices: r.devices.slice(0, options.devices), messagesPerDevice: options.messagesPerDevice,
    snapshots: options.snapshots, quantities: options.quantities, window: options.window, t0 });
  try {
    const messages = await load.prepare();
    const connected = await load.connect();
    if (connected.failed > 0) throw new Error(`${connected.failed} of ${options.devices} devices could not connect to the ${kind}`);
    server.reset();
    const cpuBefore = cpuMs(server.pid);
    const started = performance.now();
    const done = await load.go();
    if (kind === 'mosquitto' && !await until(async () => await server.stored() >= messages, 60_000))
      throw new Error(`the subscriber got ${await server.stored()} of ${messages} messages`);
    const seconds = (performance.now() - started) / 1000;
    const serverCpu = cpuMs(server.pid) - cpuBefore;
    const readings = messages * options.snapshots * options.quantities;
    const stats = await server.stats();
    if (done.acked < messages) throw new Error(`${kind}: ${done.acked} of ${messages} PUBACKed`);
    if (kind !== 'mosquitto' && await server.stored() < readings)
      throw new Error(`${kind}: ${await server.stored()} of ${readings} readings stored`);
    return {
      readingsPerSecond: readings / seconds,
      cpuMicrosecondsPerReading: (serverCpu * 1000) / readings,
      serverCores: serverCpu / 1000 / seconds,
      loadCores: done.cpuMs / 1000 / seconds,
      ...(stats === undefined ? {} : { loopP99Ms: stats.loopP99Ms, loopMaxMs: stats.loopMaxMs }),
      seconds,
    };
  } finally {
    await load.close();
    await server.stop();
  }
}

/** Scale of the throughput runs: PW_BENCH_HEADEND_SCALE multiplies the messages per device. */
export function scaled(messagesPerDevice: number): number {
  const factor = Number(process.env['PW_BENCH_HEADEND_SCALE'] ?? '1');
  return Math.max(1, Math.round(messagesPerDevice * (Number.isFinite(factor) && factor > 0 ? factor : 1)));
}

/**
 * T1 and T2: the straight-line prototype, Mosquitto forwarding alone and the head-end under the same
 * load, each in its own processes, as one measurement: the head-end against Mosquitto, the prototype
 * and the CPU figures beside it (`extra` adds the benchmark's own).
 */
export async function againstPeers(
  load: ThroughputOptions,
  mosquittoLabel: string,
  extra: Readonly<Record<string, number>> = {},
): Promise<Measurement> {
  const prototype = await throughput('prototype', load);
  const mosquitto = await throughput('mosquitto', load);
  const headEnd = await throughput('headend', load);
  return {
    figure: { label: 'phasewire head-end, readings committed and PUBACKed per second', value: headEnd.readingsPerSecond,
      unit: 'readings/s' },
    reference: { label: mosquittoLabel, value: mosquitto.readingsPerSecond, unit: 'readings/s', kind: 'peer' },
    extra: {
      prototypeReadingsPerSecond: prototype.readingsPerSecond,
      ratioToPrototype: headEnd.readingsPerSecond / prototype.readingsPerSecond,
      headEndCpuMicrosecondsPerReading: headEnd.cpuMicrosecondsPerReading,
      prototypeCpuMicrosecondsPerReading: prototype.cpuMicrosecondsPerReading,
      mosquittoCpuMicrosecondsPerMessage: mosquitto.cpuMicrosecondsPerReading,
      headEndCores: headEnd.serverCores,
      loadGeneratorCores: headEnd.loadCores,
      headEndLoopP99Ms: headEnd.loopP99Ms ?? Number.NaN,
      seconds: headEnd.seconds,
      ...extra,
    },
  };
}
