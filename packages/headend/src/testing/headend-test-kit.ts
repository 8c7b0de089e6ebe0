// Test fixture for the head-end: a test CA, a server identity, an envelope master secret, a SQLite
// store, and devices that are real MQTT clients over mutual TLS with their own envelope keys. The
// same fixture runs the head-end with the embedded broker or behind a Mosquitto it starts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { deviceTopic, obisCode, toWireBatch } from '@phasewire/core';
import type { Clock, MeterId, ObisCode, Snapshot } from '@phasewire/core';
import { bindDevice, DerivedEnvelopeKeys, EnvelopeReceiver, EnvelopeSender, envelopeKeyInfo, InstalledEnvelopeKeys, KeyRing,
  MemoryCounterStore } from '@phasewire/secure';
import type { DeviceId } from '@phasewire/secure';
import { createMemoryKeystore, NodeAead, tlsClientOptions } from '@phasewire/secure/node';
import { createTestCa } from '@phasewire/secure/testing';
import type { DeviceOptions, TestCa, TestIdentity } from '@phasewire/secure/testing';
import { SqliteMeterStore } from '@phasewire/store/node';
import { decodeAck } from '@phasewire/core/protocol';
import { ackEntries } from '../ack-message.ts';
import type { AckEntry } from '../ack-message.ts';
import type { HeadEndEvent } from '../head-end-log.ts';
import { openHeadEndDatabase } from '../node/sqlite-registry.ts';
import { startHeadEnd } from '../node/head-end.ts';
import type { HeadEnd } from '../node/head-end.ts';
import { startMosquitto } from '../node/mosquitto-process.ts';
import type { MosquittoProcess } from '../node/mosquitto-process.ts';

export type BrokerKind = 'embedded' | 'mosquitto';
export const voltageL1: ObisCode = obisCode(1, 0, 32, 7, 0);
export const currentL1: ObisCode = obisCode(1, 0, 31, 7, 0);
const masterLabel = 'envelope-master';
const systemClock: Clock = { now: () => Date.now() };

export interface TestDevice {
  readonly id: MeterId;
  readonly identity: TestIdentity;
  readonly client: MqttClient;
  readonly sender: EnvelopeSender;
  /** Opens what the head-end sends the device (acks, commands). */
  readonly downlink: EnvelopeReceiver;
  /** Receipts opened from the ack topic, in arrival order. */
  readonly acks: AckEntry[];
  /** Seals a batch of snapshots as the meter (or, for a gateway, on `meter`'s topic). */
  seal(snapshots: readonly Snapshot[], meter?: MeterId): Promise<Uint8Array>;
  /** Publishes at QoS 1 and resolves on the PUBACK. */
  publish(payload: Uint8Array, meter?: MeterId): Promise<void>;
  /** Resolves once an ack lists `counter` (of key id 1). */
  acked(counter: bigint): Promise<void>;
  end(): Promise<void>;
}

export function snapshot(meter: MeterId, at: number, volts: number): Snapshot {
  return { meter, at, values: new Map([[voltageL1, volts], [currentL1, 5.125]]) };
}

export async function headEndFixture(kind: BrokerKind) {
  const dir = await mkdtemp(join(tmpdir(), 'phasewire-headend-'));
  const ca: TestCa = await createTestCa();
  const server = await ca.server();
  const masterKeystore = createMemoryKeystore();
  await masterKeystore.generateSecret(masterLabel);
  const aead = new NodeAead();
  const keys = new DerivedEnvelopeKeys({ keystore: masterKeystore, aead, master: masterLabel });
  const keyRing = new KeyRing({ clock: systemClock, initialKeyId: 1 });
  const store = await SqliteMeterStore.open({ path: join(dir, 'store.db') });
  const db = openHeadEndDatabase(join(dir, 'headend.db'));
  const events: HeadEndEvent[] = [];
  let mosquitto: MosquittoProcess | undefined;
  let headEnd: HeadEnd;
  if (kind === 'embedded') {
    headEnd = await startHeadEnd({
      store, db, keys, keyRing, clock: systemClock, log: (event) => events.push(event),
      broker: { kind: 'embedded', identity: server, trust: ca.trustWithoutCrl, revocations: () => ca.revocations() },
    });
  } else {
    const ingestIdentity = await ca.device('headend-ingest', { kind: 'gateway' });
    mosquitto = await startMosquitto({ dir: join(dir, 'mosquitto'), identity: server, anchors: ca.anchors,
      crl: async () => (await ca.trust()).crl ?? '', ingestUser: 'headend-ingest', gateways: () => [] });
    const broker = mosquitto;
    headEnd = await startHeadEnd({
      store, db, keys, keyRing, clock: systemClock, log: (event) => events.push(event),
      broker: { kind: 'external', host: '127.0.0.1', port: broker.port, servername: 'localhost', identity: ingestIdentity,
        trust: ca.trustWithoutCrl, clientId: 'ingest-1', onRevoked: () => broker.reload() },
    });
  }
  const devices: TestDevice[] = [];

  const device = async (id: string, options: DeviceOptions & { clientId?: string } = {}): Promise<TestDevice> => {
    const identity = await ca.device(id, options);
    const deviceId = identity.device?.id ?? (id as DeviceId);
    const installed = new InstalledEnvelopeKeys(aead);
    installed.install(deviceId, 1, await masterKeystore.deriveKey(masterLabel, envelopeKeyInfo(bindDevice(deviceId), 1), 32));
    const ring = new KeyRing({ clock: systemClock, initialKeyId: 1 });
    const sender = new EnvelopeSender({ direction: 'uplink', aead, keys: installed, keyRing: ring, counters: new MemoryCounterStore() });
    const downlink =
      new EnvelopeReceiver({ direction: 'downlink', aead, keys: installed, keyRing: ring, window: new MemoryCounterStore() });
    const client = await connectDevice(headEnd.port, identity, ca, options.clientId ?? id);
    const acks: AckEntry[] = [];
    const listeners = new Set<() => void>();
    client.on('message', (topic, payload) => {
      if (!topic.endsWith('/ack')) return;
      void (async () => {
        const opened = await downlink.openValue(deviceId, new Uint8Array(payload));
        acks.push(...ackEntries(decodeAck(opened.value)));
        for (const listener of listeners) listener();
      })();
    });
    await client.subscribeAsync(`pw/v1/${id}/#`, { qos: 1 });
    const created: TestDevice = {
      id: deviceId as MeterId, identity, client, sender, downlink, acks,
      seal: async (snapshots, meter = deviceId as MeterId) => sender.sealValue(deviceId, 'readings', toWireBatch({ meter, snapshots })),
      publish: async (payload, meter = deviceId as MeterId) => {
        await client.publishAsync(deviceTopic(meter, 'up/readings'), Buffer.from(payload), { qos: 1 }); },
      acked: (counter) => new Promise((resolve) => {
        const check = (): void => { if (acks.some((entry) => entry.counter === counter)) { listeners.delete(check); resolve(); } };
        listeners.add(check);
        check();
      }),
      end: () => client.endAsync(true),
    };
    devices.push(created);
    return created;
  };

  return {
    kind, dir, ca, store, headEnd, events, device, mosquitto,
    connect: (identity: TestIdentity, clientId: string) => connectDevice(headEnd.port, identity, ca, clientId),
    /** A device connection with an MQTT will (the agent's offline status). */
    connectWithWill: (identity: TestIdentity, clientId: string, will: NonNullable<IClientOptions['will']>) =>
      connectDevice(headEnd.port, identity, ca, clientId, { will }),
    async close(): Promise<void> {
      for (const d of devices) await d.client.endAsync(true).catch(() => undefined);
      await headEnd.close();
      await mosquitto?.stop();
      await store.close();
      db.close();
      await masterKeystore.close();
      await ca.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type HeadEndFixture = Awaited<ReturnType<typeof headEndFixture>>;

/** `listen` gets the client before it connects: what a persistent session hands over right after CONNACK reaches it. */
export function connectDevice(port: number, identity: TestIdentity, ca: TestCa, clientId: string, extra: Partial<IClientOptions> = {},
  listen?: (client: MqttClient) => void): Promise<MqttClient> {
  const tls = tlsClientOptions(identity, ca.trustWithoutCrl, { servername: 'localhost' });
  const options: IClientOptions = {
    protocol: 'mqtts', host: '127.0.0.1', port, clientId, protocolVersion: 4, clean: true, reconnectPeriod: 0, connectTimeout: 5000,
    servername: 'localhost', rejectUnauthorized: true, ...extra,
  };
  const client = mqtt.connect({ ...options, secureContext: tls.secureContext, minVersion: tls.minVersion,
    maxVersion: tls.maxVersion } as IClientOptions);
  listen?.(client);
  // A certificate refused after the TLS 1.3 handshake ends in a close without an error event.
  return new Promise((resolve, reject) => {
    const refused =
      (error?: Error): void => { client.end(true); reject(error ?? new Error(`the connection of ${clientId} closed before CONNACK`)); };
    client.once('connect', () => { client.off('close', refused); client.off('error', refused); resolve(client); });
    client.once('close', refused);
    client.once('error', refused);
  });
}
