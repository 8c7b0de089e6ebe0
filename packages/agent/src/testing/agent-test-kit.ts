// Test support: a small head-end for the agent's tests and benchmark, all on loopback with a real
// test CA. An aedes broker on TLS 1.3 with mutual authentication, the secure package's EST server,
// the key provisioning endpoint, and a test-side ingest that opens every uplink with its own
// EnvelopeReceiver (keys derived from a master in a keystore, as the head-end's are), records the
// readings, and answers with sealed acks. The real head-end replaces all of this in production.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:tls';
import type { Server, TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { deviceTopic, fromWireBatch, ManualClock, parseTopic } from '@phasewire/core';
import type { MeterId, Snapshot } from '@phasewire/core';
import {
  DerivedEnvelopeKeys, deviceIdentity, EnvelopeReceiver, EnvelopeSender, EstService, KeyRing, MemoryCounterStore,
} from '@phasewire/secure';
import type { OpenedValue } from '@phasewire/secure';
import { createMemoryKeystore, deriveDeviceEnvelopeKey, NodeAead, startEstServer, startKeyProvisioningServer,
  tlsServerOptions } from '@phasewire/secure/node';
import { createTestCa, MemoryTokenStore } from '@phasewire/secure/testing';
import type { EstServer, KeyProvisioningServer } from '@phasewire/secure/node';
import type { TestCa } from '@phasewire/secure/testing';
import { encodeAck, encodeCommand } from '@phasewire/core/protocol';
import type { Command } from '@phasewire/core/protocol';

const masterLabel = 'envelope-master';
const keyId = 1;

export interface TestHeadEnd {
  readonly testCa: TestCa;
  readonly brokerPort: number;
  readonly estUrl: string;
  readonly keyUrl: string;
  /** Readings received and opened, per meter, keyed by time (redelivery overwrites, as idempotent ingest does). */
  readonly readings: Map<MeterId, Map<number, Snapshot>>;
  /** Opened uplink messages (readings) in arrival order: their snapshot counts. */
  readonly messages: { meter: MeterId; snapshots: number; counter: bigint }[];
  /** Opened command responses, with their envelope's counter. */
  readonly responses: { meter: MeterId; value: unknown; counter: bigint }[];
  /** Opened events (up/events: protection trips), with their envelope's counter; acknowledged like answers. */
  readonly events: { meter: MeterId; value: unknown; counter: bigint }[];
  /** Opened sealed relay statuses (type `status` on up/events), with their envelope's counter; acknowledged like events. */
  readonly relayStatuses: { meter: MeterId; value: unknown; counter: bigint }[];
  /** TLS handshakes at the broker: [resumed?]. */
  readonly handshakes: boolean[];
  /** Retained status payloads as last published, per meter. */
  readonly status: Map<MeterId, string>;
  /** Client ids with a connection at the broker now. */
  readonly connected: Set<string>;
  /** When false, readings and command answers are opened and recorded but not acknowledged. */
  acking: boolean;
  /**
   * Runs when a meter says goodbye (its own retained `offline` at the end of a cellular window),
   * before the broker accepts it: the meter waits for that PUBACK, so what the hook sends reaches it
   * as it closes its window.
   */
  beforeGoodbye: ((meter: MeterId) => Promise<void>) | undefined;
  token(meter: MeterId): Promise<string>;
  /** Seals and publishes a command; returns the sealed bytes (to replay them). */
  command(meter: MeterId, command: Command): Promise<Uint8Array>;
  /** Seals a command without publishing it (its counter is used up: a later command gets a higher one). */
  sealCommand(meter: MeterId, command: Command): Promise<Uint8Array>;
  /** Seals any body (a protocol test vector) as an ack or a command and publishes it on the meter's topic for it. */
  sendBody(meter: MeterId, type: 'ack' | 'command', body: unknown): Promise<void>;
  /** Publishes raw bytes on a meter's command topic. */
  publishRaw(meter: MeterId, bytes: Uint8Array): Promise<void>;
  /** Resolves when `predicate` holds, checked after every event of the head-end. */
  until(predicate: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTestHeadEnd(): Promise<TestHeadEnd> {
  const testCa = await createTestCa();
  const clock = new ManualClock(Date.now());
  const serverIdentity = await testCa.server();
  const keystore = createMemoryKeystore();
  await keystore.generateSecret(masterLabel);
  const aead = new NodeAead();
  const keys = new DerivedEnvelopeKeys({ keystore, aead, master: masterLabel });
  const ring = new KeyRing({ clock: { now: () => Date.now() }, initialKeyId: keyId });
  const ingest = new EnvelopeReceiver({ direction: 'uplink', aead, keys, keyRing: ring, window: new MemoryCounterStore() });
  const downlink = new EnvelopeSender({ direction: 'downlink', aead, keys, keyRing: ring, counters: new MemoryCounterStore() });
  const service =
    new EstService({ ca: testCa.ca, tokens: new MemoryTokenStore(), clock, randomBytes: (n) => new Uint8Array(randomBytes(n)) });
  const est: EstServer = await startEstServer({ identity: serverIdentity, trust: testCa.trustWithoutCrl, service });
  const keyServer: KeyProvisioningServer = await startKeyProvisioningServer(serverIdentity, testCa.trustWithoutCrl, {
    keyFor: async (device) => ({ keyId, key: await deriveDeviceEnvelopeKey(keystore, masterLabel, device, keyId) }),
  });

  let goodbye: ((meter: MeterId) => Promise<void>) | undefined;
  const broker = await Aedes.createBroker({
    authorizePublish(client, packet, callback) {
      const parsed = parseTopic(packet.topic);
      const hook = goodbye;
      if (client === null || hook === undefined || parsed?.channel !== 'status' || !packet.payload.toString().includes('"offline"')) {
        callback(null);
        return;
      }
      void hook(parsed.device).finally(() => { callback(null); });
    },
  });
  const tlsServer: Server = createServer(tlsServerOptions(serverIdentity, testCa.trustWithoutCrl), (socket) => { broker.handle(socket); });
  await new Promise<void>((resolve) => { tlsServer.listen(0, '127.0.0.1', () => { resolve(); }); });
  const brokerPort = (tlsServer.address() as AddressInfo).port;

  const waiters = new Set<() => void>();
  const changed = (): void => { for (const check of waiters) check(); };
  const committed = new Map<MeterId, Set<bigint>>();

  const publish = (topic: string, payload: Uint8Array): Promise<void> => new Promise((resolve, reject) => {
    broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, (error) => {
      // aedes calls back with null on success, whatever its types say.
      if (error instanceof Error) reject(error); else resolve();
    });
  });
  const ack = async (meter: MeterId, counter: bigint): Promise<void> => {
    const sealed = await downlink.sealValue(meter, 'ack', encodeAck({ keyId, counters: [counter] }));
    await publish(deviceTopic(meter, 'ack'), sealed);
  };

  const head: TestHeadEnd = {
    testCa, brokerPort, estUrl: est.url, keyUrl: keyServer.url,
    readings: new Map(), messages: [], responses: [], events: [], relayStatuses: [], handshakes: [], status: new Map(),
    connected: new Set(), acking: true,
    get beforeGoodbye() { return goodbye; },
    set beforeGoodbye(hook) { goodbye = hook; },
    token: async (meter) => (await service.createToken(deviceIdentity('meter', meter))).token,
    async command(meter, command) {
      const sealed = await downlink.sealValue(meter, 'command', encodeCommand(command));
      await publish(deviceTopic(meter, 'cmd/req'), sealed);
      return sealed;
    },
    sealCommand: async (meter, command) => downlink.sealValue(meter, 'command', encodeCommand(command)),
    async sendBody(meter, type, body) {
      await publish(deviceTopic(meter, type === 'ack' ? 'ack' : 'cmd/req'), await downlink.sealValue(meter, type, body));
    },
    publishRaw: (meter, bytes) => publish(deviceTopic(meter, 'cmd/req'), bytes),
    until(predicate, what, timeoutMs = 20_000) {
      if (predicate()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!predicate()) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`Timed out waiting for ${what}`)); }, timeoutMs);
        waiters.add(check);
      });
    },
    async close() {
      await new Promise<void>((resolve) => { broker.close(() => { resolve(); }); });
      await new Promise<void>((resolve) => { tlsServer.close(() => { resolve(); }); });
      await est.close();
      await keyServer.close();
      await testCa.close();
    },
  };

  tlsServer.on('secureConnection', (socket: TLSSocket) => { head.handshakes.push(socket.isSessionReused()); changed(); });
  broker.on('client', (client) => { head.connected.add(client.id); changed(); });
  broker.on('clientDisconnect', (client) => { head.connected.delete(client.id); changed(); });

  broker.on('publish', (packet, client) => {
    if (client === null) return;
    const parsed = parseTopic(packet.topic);
    if (parsed === undefined) return;
    const meter = parsed.device;
    const payload = new Uint8Array(packet.payload as Buffer);
    if (parsed.channel === 'status') {
      head.status.set(meter, Buffer.from(payload).toString('utf8'));
      changed();
      return;
    }
    if (parsed.channel !== 'up/readings' && parsed.channel !== 'cmd/res' && parsed.channel !== 'up/events') return;
    void (async () => {
      let opened: OpenedValue;
      try {
        opened = await ingest.openValue(meter, payload);
      } catch (error) {
        // A redelivered message (readings or an answer) whose counter was committed: acknowledge it again (docs/meter-agent.md).
        const counter = payload.length >= 16 ? Buffer.from(payload).readBigUInt64BE(8) : 0n;
        if ((error as { code?: string }).code === 'PW_ERR_REPLAY' && committed.get(meter)?.has(counter) === true && head.acking)
          await ack(meter, counter);
        return;
      }
      let set = committed.get(meter);
      if (set === undefined) { set = new Set(); committed.set(meter, set); }
      const type = opened.header.messageType;
      if (type === 'command-response' || type === 'event' || type === 'status') {
        // Recorded, then acknowledged like readings: the answer (or event, or status) leaves the meter's queue.
        const list = type === 'event' ? head.events : type === 'status' ? head.relayStatuses : head.responses;
        list.push({ meter, value: opened.value, counter: opened.header.counter });
        set.add(opened.header.counter);
        if (head.acking) await ack(meter, opened.header.counter);
        changed();
        return;
      }
      const batch = fromWireBatch(opened.value);
      let byTime = head.readings.get(meter);
      if (byTime === undefined) { byTime = new Map(); head.readings.set(meter, byTime); }
      for (const snapshot of batch.snapshots) byTime.set(snapshot.at, snapshot);
      head.messages.push({ meter, snapshots: batch.snapshots.length, counter: opened.header.counter });
      set.add(opened.header.counter);
      if (head.acking) await ack(meter, opened.header.counter);
      changed();
    })();
  });

  return head;
}
