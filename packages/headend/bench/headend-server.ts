// The server side of the head-end benchmarks, each in its own process so that its CPU time and
// memory can be read from /proc alone: `node headend-server.ts <config.json>`.
//  - mode 'headend': the phasewire head-end (startHeadEnd, embedded broker, SQLite store), as
//    `phasewire server` runs it.
//  - mode 'prototype': the straight-line prototype of PERFORMANCE.md — the least code that does the
//    same job: TLS (the same mutual-auth settings) → MQTT frames parsed by hand → AES-256-GCM open
//    with the device's key → counter check → CBOR decode → one prepared INSERT per reading in one
//    transaction per socket read (WAL, synchronous=FULL) → PUBACK. No broker, no registry, no
//    authorisation, no sealed acks, no abstractions.
// Over IPC it answers {type:'stats'} with readings stored and the event-loop delay since the last
// {type:'reset'} (perf_hooks.monitorEventLoopDelay, T10).
import { createDecipheriv } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import process from 'node:process';
import { DatabaseSync } from 'node:sqlite';
import { createServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { decode } from 'cbor-x';
import type { Clock } from '@phasewire/core';
import { bindDevice, buildAssociatedData, buildNonce, decodeEnvelope, InstalledEnvelopeKeys, KeyRing,
  RevocationSet } from '@phasewire/secure';
import type { DeviceBinding, DeviceId } from '@phasewire/secure';
import { NodeAead, tlsIdentity, tlsServerOptions, tlsTrust } from '@phasewire/secure/node';
import { SqliteMeterStore } from '@phasewire/store/node';
import { openHeadEndDatabase } from '../src/node/sqlite-registry.ts';
import { startHeadEnd } from '../src/node/head-end.ts';
import { ensureTicketKeys } from '../src/node/ticket-keys.ts';

export interface ServerConfig {
  readonly mode: 'headend' | 'prototype';
  readonly dir: string;
  readonly chain: string;
  readonly key: string;
  readonly anchors: string;
  /** Device id → envelope key (hex), key id 1. */
  readonly keys: Readonly<Record<string, string>>;
  /** Listen on this port (a restart keeps it); 0 lets the OS pick. */
  readonly port?: number;
}

export interface ServerStats {
  readonly type: 'stats';
  readonly stored: number;
  readonly loopP99Ms: number;
  readonly loopMaxMs: number;
  readonly rss: number;
  readonly heapUsed: number;
}

const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as ServerConfig;
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();

async function headEnd(): Promise<() => number> {
  const clock: Clock = { now: () => Date.now() };
  const aead = new NodeAead();
  const keys = new InstalledEnvelopeKeys(aead);
  for (const [device, hex] of Object.entries(config.keys)) keys.install(device as DeviceId, 1, Buffer.from(hex, 'hex'));
  const store = await SqliteMeterStore.open({ path: join(config.dir, 'store.db') });
  const running = await startHeadEnd({
    store, db: openHeadEndDatabase(join(config.dir, 'headend.db')), keys, keyRing: new KeyRing({ clock, initialKeyId: 1 }), clock,
    // PW_BENCH_HEADEND_ACTIVITY_FLUSH_MS=0: last seen written through per connect, as before 2026-11-24 (an A/B in one session).
    ...(process.env['PW_BENCH_HEADEND_ACTIVITY_FLUSH_MS'] === undefined ? {}
      : { activityFlushMs: Number(process.env['PW_BENCH_HEADEND_ACTIVITY_FLUSH_MS']) }),
    // The ticket keys kept in the data directory, as `phasewire server` keeps them: a restarted
    // head-end (T5) resumes the sessions of the tickets the devices hold.
    broker: { kind: 'embedded', port: config.port ?? 0, identity: tlsIdentity(config.chain, config.key), trust: tlsTrust(config.anchors),
      revocations: () => RevocationSet.empty, ticketKeys: (await ensureTicketKeys(config.dir, clock)).keys },
  });
  process.send?.({ type: 'listening', port: running.port });
  return () => running.ingest.stored;
}

/** MQTT 3.1.1 §2.2.3: the remaining-length field; [length, bytes used] or undefined if incomplete. */
function remainingLength(buffer: Buffer, at: number): [number, number] | undefined {
  let length = 0;
  let multiplier = 1;
  for (let i = 0; i < 4; i++) {
    const byte = buffer[at + i];
    if (byte === undefined) return undefined;
    length += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    if ((byte & 0x80) === 0) return [length, i + 1];
  }
  return undefined;
}

async function prototype(): Promise<() => number> {
  const db = new DatabaseSync(join(config.dir, 'prototype.db'));
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS reading (meter TEXT NOT NULL, quantity INTEGER NOT NULL, at INTEGER NOT NULL, value INTEGER, PRIMARY '
    + 'KEY (meter, quantity, at)) WITHOUT ROWID');
  const insert = db.prepare('INSERT OR IGNORE INTO reading (meter, quantity, at, value) VALUES (?, ?, ?, ?)');
  const keys = new Map<string, { key: Buffer; binding: DeviceBinding; counter: bigint }>();
  for (const [device, hex] of Object.entries(config.keys))
    keys.set(device, { key: Buffer.from(hex, 'hex'), binding: bindDevice(device as DeviceId), counter: 0n });
  let stored = 0;
  const connack = Buffer.from([0x20, 0x02, 0x00, 0x00]);

  // Group commit, as the head-end does: the messages of every socket read in one turn of the event
  // loop share one transaction (one fsync); their PUBACKs go out after the COMMIT.
  let turn: { socket: TLSSocket; acks: number[] }[] = [];
  const commit = (): void => {
    const done = turn;
    turn = [];
    db.exec('COMMIT');
    for (const { socket, acks } of done) {
      const out = Buffer.allocUnsafe(acks.length * 4);
      acks.forEach((id, i) => { out[i * 4] = 0x40; out[i * 4 + 1] = 2; out.writeUInt16BE(id, i * 4 + 2); });
      socket.write(out);
    }
  };
  const onSocket = (socket: TLSSocket): void => {
    let pending = Buffer.alloc(0);
    let device: ReturnType<typeof keys.get>;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      const buffer = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const acks: number[] = [];
      let offset = 0;
      if (turn.length === 0 && !db.isTransaction) { db.exec('BEGIN'); setImmediate(commit); }
      for (;;) {
        const header = buffer[offset];
        const rl = remainingLength(buffer, offset + 1);
        if (header === undefined || rl === undefined || offset + 1 + rl[1] + rl[0] > buffer.length) break;
        const body = offset + 1 + rl[1];
        const end = body + rl[0];
        const type = header >> 4;
        if (type === 1) {
          // CONNECT: the client id is the device (the certificate check is the TLS layer's job here).
          const idLength = buffer.readUInt16BE(body + 10);
          device = keys.get(buffer.toString('latin1', body + 12, body + 12 + idLength));
          socket.write(connack);
        } else if (type === 3 && device !== undefined) {
          const topicLength = buffer.readUInt16BE(body);
          const packetId = buffer.readUInt16BE(body + 2 + topicLength);
          const payload = buffer.subarray(body + 4 + topicLength, end);
          const { header: envelope, ciphertext, tag } = decodeEnvelope(payload);
          if (envelope.counter > device.counter) {
            device.counter = envelope.counter;
            const decipher = createDecipheriv('aes-256-gcm', device.key, buildNonce(device.binding, 'uplink', envelope.counter));
            decipher.setAAD(buildAssociatedData(device.binding, payload.subarray(0, 20)));
            decipher.setAuthTag(tag);
            const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
            const batch = decode(plain) as { m: string; t: number; d: number[]; q: number[]; x: (number | null)[][] };
            let at = batch.t;
            for (let s = 0; s < batch.x.length; s++) {
              if (s > 0) at += batch.d[s - 1] ?? 0;
              const row = batch.x[s] ?? [];
              for (let q = 0; q < row.length; q++) {
                const value = row[q];
                if (value !== null && value !== undefined) { insert.run(batch.m, batch.q[q] ?? 0, at, value); stored++; }
              }
            }
          }
          acks.push(packetId);
        }
        offset = end;
      }
      pending = offset === buffer.length ? Buffer.alloc(0) : Buffer.from(buffer.subarray(offset));
      if (acks.length > 0) turn.push({ socket, acks });
    });
  };
  const server = createServer(tlsServerOptions(tlsIdentity(config.chain, config.key), tlsTrust(config.anchors)), onSocket);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => { server.listen(config.port ?? 0, '127.0.0.1', resolve); });
  const address = server.address();
  process.send?.({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 });
  return () => stored;
}

process.on('SIGTERM', () => { process.exit(0); });
const stored = config.mode === 'headend' ? await headEnd() : await prototype();
// PW_BENCH_HEADEND_PROFILE=<dir>: a V8 CPU profile of the measured window alone (from reset to
// stats), written there as <mode>-<pid>-<n>.cpuprofile, for chrome://inspect or any profile viewer.
const profileDir = process.env['PW_BENCH_HEADEND_PROFILE'];
const inspector = profileDir === undefined || profileDir === '' ? undefined : new Session();
inspector?.connect();
let profiling = false;
let profiles = 0;

process.on('message', (message: { type: string }) => {
  void (async () => {
    if (message.type === 'reset') {
      loop.reset();
      if (inspector !== undefined && !profiling) { profiling = true; await inspector.post('Profiler.enable');
        await inspector.post('Profiler.start'); }
      return;
    }
    if (message.type === 'stats') {
      if (inspector !== undefined && profiling) {
        profiling = false;
        const { profile } = await inspector.post('Profiler.stop');
        writeFileSync(join(profileDir ?? '.', `${config.mode}-${process.pid}-${profiles++}.cpuprofile`), JSON.stringify(profile));
      }
      const memory = process.memoryUsage();
      const stats: ServerStats = { type: 'stats', stored: stored(), loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6,
        rss: memory.rss, heapUsed: memory.heapUsed };
      process.send?.(stats);
    }
    if (message.type === 'gc') { (globalThis as { gc?: () => void }).gc?.(); process.send?.({ type: 'gc-done' }); }
  })();
});
