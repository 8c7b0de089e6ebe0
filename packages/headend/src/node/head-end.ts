// The head-end: registry and counters (headend.db), the ingest over the meter store, the command
// channel, and one of two MQTT front ends with the same behaviour — the embedded broker (aedes,
// the default) or an external Mosquitto that terminates TLS while this process is an ingest client
// on a shared subscription.
import type { DatabaseSync } from 'node:sqlite';
import type { Clock } from '@phasewire/core';
import type { FirmwareRunning } from '@phasewire/core/protocol';
import { counterScope, EnvelopeReceiver, EnvelopeSender } from '@phasewire/secure';
import type { CounterScope, CounterStore, DeviceId, EnvelopeKeyProvider, KeyRing, RevocationSet } from '@phasewire/secure';
import { NodeAead } from '@phasewire/secure/node';
import type { TlsIdentity, TlsTrust } from '@phasewire/secure/node';
import type { MeterStore } from '@phasewire/store';
import { silentLog } from '../head-end-log.ts';
import type { HeadEndLog } from '../head-end-log.ts';
import type { CommandKind } from '../command-message.ts';
import type { CommandRecord } from '../command-record.ts';
import type { RegistryLinkProfile } from '../registry.ts';
import type { AlarmChannel } from '../alarm-channel.ts';
import { SqliteDeviceRegistry } from './sqlite-registry.ts';
import { HeadEndCounters } from './head-end-counters.ts';
import { SqliteCounterTable } from './sqlite-counter-table.ts';
import type { CounterTable } from '../counter-table.ts';
import { Ingest } from './ingest.ts';
import type { ReadingTimeWindow } from '../reading-times.ts';
import { CommandLog } from './command-log.ts';
import { Commands, type DeviceTime } from './commands.ts';
import { startEmbeddedBroker } from './embedded-broker.ts';
import type { EmbeddedBrokerOptions } from './embedded-broker.ts';
import { startExternalIngest } from './external-ingest.ts';
import { DeviceActivity } from './device-activity.ts';
import type { DeviceActivityOptions, DeviceStatus } from './device-activity.ts';
import { SideChannels } from './side-channels.ts';
import { sampledLog } from './sampled-log.ts';
import { protectionFleetView, protectionView } from './protection-view.ts';
import { RelayStates } from './relay-states.ts';
import type { CommandParams } from '../command-message.ts';
import type { ProtectionFleetView, ProtectionView } from '../protection-view.ts';
import type { BrokerHealth } from './broker-health.ts';

export type BrokerMode =
  | {
    readonly kind: 'embedded'; readonly port?: number; readonly host?: string; readonly identity: TlsIdentity; readonly trust: TlsTrust;
    readonly revocations: () => RevocationSet; readonly ticketKeys?: Uint8Array; readonly alarmChannel?: AlarmChannel;
    /** The listener's bounds (embedded-broker.ts); its defaults when absent. */
    readonly limits?: Pick<EmbeddedBrokerOptions, 'limits' | 'handshakeTimeoutMs' | 'maxPacketBytes' | 'logSampleIntervalMs'>;
  }
  | { readonly kind: 'external'; readonly host: string; readonly port: number; readonly servername?: string; readonly identity: TlsIdentity;
    readonly trust: TlsTrust; readonly clientId: string; readonly onRevoked?: (device: string) => Promise<void> };

export interface HeadEndOptions {
  readonly store: MeterStore;
  /** The head-end database (openHeadEndDatabase): registry, replay window, downlink counters. */
  readonly db: DatabaseSync;
  /**
   * Where the replay windows and downlink counters live (counter-table.ts): by default the `counter`
   * table of `db`; a PostgreSQL table (PostgresCounterTable) when several ingest workers share them.
   */
  readonly counters?: CounterTable;
  readonly keys: EnvelopeKeyProvider;
  readonly keyRing: KeyRing;
  readonly broker: BrokerMode;
  readonly clock: Clock;
  /** The devices' time base for commands, when it is not `clock` (commands.ts). */
  readonly deviceTime?: DeviceTime;
  /** How long a device on each sleeping link may take to wake, on its clock (default: cellular 2 h, headend/command-record.ts). */
  readonly wakeAllowanceMs?: Readonly<Partial<Record<RegistryLinkProfile, number>>>;
  readonly log?: HeadEndLog;
  /** Bound of an envelope body (default 64 KiB). */
  readonly maxBodyBytes?: number;
  /** Longest last seen and online/offline wait in memory before one batched write, ms (default 100; 0: written through). */
  readonly activityFlushMs?: number;
  /** The reading times stored (default from 2020 to 15 minutes ahead of `readingClock`). */
  readonly readingTimes?: ReadingTimeWindow;
  /** The clock reading times are judged on (default `clock`; a simulation passes its meters' clock). */
  readonly readingClock?: Clock;
}

export interface HeadEnd {
  /** The MQTT port devices connect to (the embedded listener's, or the external broker's). */
  readonly port: number;
  readonly registry: SqliteDeviceRegistry;
  readonly ingest: Ingest;
  /** Online/offline, last seen and events of the devices (status and up/events channels). */
  readonly activity: DeviceActivity;
  /** Calls `listener` on every online/offline status a device reports (or its will); returns the unsubscribe. */
  onDeviceStatus(listener: (status: DeviceStatus) => void): () => void;
  /**
   * Sends a command and resolves with its record once the device answered, or after `waitMs` of
   * real time (default 30 s) as `pending`; a later answer is recorded (commands.ts).
   */
  sendCommand(device: DeviceId, kind: CommandKind, waitMs?: number, params?: CommandParams): Promise<CommandRecord>;
  /** The protection settings the device last confirmed, and its trips (events of kind protection-trip), newest first. */
  protection(device: DeviceId, limit?: number): ProtectionView;
  /** The fleet's latest trips (newest first) and the meters whose relay is open now. */
  protectionFleet(limit?: number, keep?: (device: string) => boolean): ProtectionFleetView;
  /** What is known of command `id` sent to `device`. */
  command(device: DeviceId, id: string): CommandRecord | undefined;
  /** Marks the device revoked and drops its live sessions at once (revoke its certificate at the CA too). */
  revokeDevice(device: DeviceId): Promise<void>;
  /** Drops live sessions whose certificate the CA has revoked since. */
  enforceRevocations(): number;
  /** Drops the device's live sessions without marking it revoked (it may come back with a valid certificate). */
  disconnect(device: DeviceId): Promise<void>;
  /** Replaces the MQTT listener's TLS session-ticket keys (embedded broker; Mosquitto keeps its own). */
  setTicketKeys(keys: Uint8Array): void;
  /**
   * Calls `listener` on each sealed event a device sends (up/events), once, after it is recorded and
   * acknowledged (a firmware-progress event goes to the campaigns); returns the unsubscribe.
   */
  onDeviceEvent(listener: (device: string, kind: string, body: unknown) => void): () => void;
  /** The firmware (version, slot, security version) each agent last reported in its status, by device. */
  reportedFirmware(): ReadonlyMap<string, FirmwareRunning>;
  /** The store-and-forward queue depth each agent last reported in its online status, by device (metrics). */
  reportedQueues(): ReadonlyMap<string, number>;
  /** Whether the broker accepts sessions now (broker-health.ts): the server's readiness probe. */
  brokerHealth(): Promise<BrokerHealth>;
  close(): Promise<void>;
}

export async function startHeadEnd(options: HeadEndOptions): Promise<HeadEnd> {
  const log = options.log ?? silentLog;
  const aead = new NodeAead();
  const limits = options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes };
  const counterTable = options.counters ?? new SqliteCounterTable(options.db);
  const window = new HeadEndCounters(counterTable, 'deferred');
  const downlinkCounters = new HeadEndCounters(counterTable, 'immediate');
  // Last seen and online/offline are batched (at most every 100 ms, one transaction); a change of
  // what a device is (binding, revocation) is written through (docs/head-end.md, "Head-end performance").
  // Failures that repeat every few milliseconds while their cause lasts (a full disk) are sampled.
  const floods = sampledLog(log, options.clock);
  const flushFailed = (what: string) => (error: Error): void => {
    floods(`flush:${what}`, { level: 'error', msg: `Cannot write the batch of ${what} (kept, tried again): ${error.message}` });
  };
  const flushMs = options.activityFlushMs === undefined ? {} : { flushMs: options.activityFlushMs };
  const registry = new SqliteDeviceRegistry(options.db, { ...flushMs, onFlushError: flushFailed('registry last-seen marks') });
  // When each device's latest uplink envelope was accepted, in the devices' time base: a clock-sync
  // says how long after it the head-end stamped its time (commands.ts).
  const deviceClock = options.deviceTime?.clock ?? options.clock;
  const accepted = new Map<CounterScope, number>();
  const receiverWindow: CounterStore = {
    get: (scope) => window.get(scope),
    advance: (scope, value) => {
      if (value > window.get(scope)) accepted.set(scope, deviceClock.now());
      return window.advance(scope, value);
    },
    close: () => window.close(),
  };
  const receiver = new EnvelopeReceiver({
    direction: 'uplink', aead, keys: options.keys, keyRing: options.keyRing, window: receiverWindow, ...limits,
  });
  const sender = new EnvelopeSender({ direction: 'downlink', aead, keys: options.keys, keyRing: options.keyRing, counters: downlinkCounters,
    ...limits });
  type Publish = (topic: string, payload: Uint8Array) => Promise<void>;
  // Messages can be committed while the front end is still starting: Mosquitto hands the ingest its
  // session's queued messages before the subscription call returns. Their acks wait for the front end
  // instead of failing (which would leave committed readings unacknowledged until the device resends).
  const frontReady = Promise.withResolvers<Publish>();
  frontReady.promise.catch(() => undefined);
  let publish: Publish = (topic, payload) => frontReady.promise.then((ready) => ready(topic, payload));
  const ingest = new Ingest({
    store: options.store, receiver, window, acks: sender, publish: (topic, payload) => publish(topic, payload), log, floodLog: floods,
    clock: options.readingClock ?? options.clock, ...(options.readingTimes === undefined ? {} : { readingTimes: options.readingTimes }),
  });
  const commandLog = new CommandLog(options.db);
  const commands = new Commands({
    sender, receiver, window, publish: (topic, payload) => publish(topic, payload), ingest, clock: options.clock,
    log: commandLog, registry,
    // A clock-sync names the device's last envelope the head-end had when it stamped its time.
    lastUplink: (device) => {
      try {
        const keyId = options.keyRing.sealingKeyId(device as DeviceId);
        const scope = counterScope(device as DeviceId, 'uplink', keyId);
        const acceptedAt = accepted.get(scope);
        return acceptedAt === undefined ? undefined : { keyId, counter: window.get(scope), acceptedAt };
      } catch {
        return undefined;
      }
    },
    ...(options.deviceTime === undefined ? {} : { deviceTime: options.deviceTime }),
    ...(options.wakeAllowanceMs === undefined ? {} : { wakeAllowanceMs: options.wakeAllowanceMs }),
  });
  // A pending command whose device sends readings from after its expiry did not run (commands.ts).
  const unobserve = ingest.onCommitted((snapshots) => { commands.observe(snapshots); });
  const statusListeners = new Set<(status: DeviceStatus) => void>();
  const activity = new ObservedActivity(options.db, { ...flushMs, onFlushError: flushFailed('device statuses') }, (status) => {
    if (status.online) commands.deviceOnline(status.id);
    for (const listener of statusListeners) {
      try {
        listener(status);
      } catch (error) {
        log({ level: 'error', msg: `A listener of device status failed: ${(error as Error).message}` });
      }
    }
  });
  const relayStates = new RelayStates(options.db);
  const eventListeners = new Set<(device: string, kind: string, body: unknown) => void>();
  const sideChannels = new SideChannels({
    activity, receiver, ingest, clock: options.clock, registry, relayStates,
    acknowledge: (sender, device, opened, refusal) => commands.acknowledge(sender, device, opened, refusal),
    onEvent: (device, kind, body) => {
      for (const listener of eventListeners) {
        try {
          listener(device, kind, body);
        } catch (error) {
          log({ level: 'error', msg: `A listener of device events failed: ${(error as Error).message}` });
        }
      }
    },
  });
  const mode = options.broker;
  let front: { port: number; publish: Publish; disconnect(device: string): Promise<number> | number; enforceRevocations(): number;
    setTicketKeys?(keys: Uint8Array): void; health(): Promise<BrokerHealth>; close(): Promise<void> };
  try {
    if (mode.kind === 'embedded') {
      front = await startEmbeddedBroker({
        identity: mode.identity, trust: mode.trust, revocations: mode.revocations, registry, ingest, commands: () => commands, sideChannels,
        clock: options.clock, log,
        ...(mode.ticketKeys === undefined ? {} : { ticketKeys: mode.ticketKeys }), ...mode.limits,
        ...(mode.alarmChannel === undefined ? {} : { alarmChannel: mode.alarmChannel }),
      }, mode.port ?? 0, mode.host ?? '127.0.0.1');
    } else {
      front = await startExternalIngest({ ...mode, registry, ingest, commands, sideChannels, clock: options.clock, log });
    }
  } catch (error) {
    frontReady.reject(new Error('the broker did not start', { cause: error }));
    throw error;
  }
  publish = front.publish;
  frontReady.resolve(front.publish);
  return {
    port: front.port,
    registry,
    ingest,
    activity,
    onDeviceStatus(listener) {
      statusListeners.add(listener);
      return () => { statusListeners.delete(listener); };
    },
    onDeviceEvent(listener) {
      eventListeners.add(listener);
      return () => { eventListeners.delete(listener); };
    },
    reportedFirmware: () => sideChannels.reportedFirmware,
    sendCommand: (device, kind, waitMs, params) => commands.send(device, kind, waitMs, params),
    protection: (device, limit = 50) => protectionView(commandLog, activity, relayStates, device, limit),
    protectionFleet: (limit = 100, keep) => protectionFleetView(relayStates, limit, keep),
    command: (device, id) => commands.get(device, id),
    async revokeDevice(device) {
      registry.revoke(device, options.clock.now());
      await front.disconnect(device);
    },
    enforceRevocations: () => front.enforceRevocations(),
    async disconnect(device) {
      await front.disconnect(device);
    },
    setTicketKeys: (keys) => { front.setTicketKeys?.(keys); },
    brokerHealth: () => front.health(),
    reportedQueues: () => sideChannels.reportedQueues,
    async close() {
      unobserve();
      commands.close();
      await front.close();
      await ingest.idle();
      activity.flush();
      registry.close();
      floods.close();
    },
  };
}

/** The activity record that also tells the composition of each status change (the API's meter events). */
class ObservedActivity extends DeviceActivity {
  readonly #onStatus: (status: DeviceStatus) => void;

  constructor(db: DatabaseSync, options: DeviceActivityOptions, onStatus: (status: DeviceStatus) => void) {
    super(db, options);
    this.#onStatus = onStatus;
  }

  override status(device: string, state: 'online' | 'offline', at: number): DeviceStatus {
    const status = super.status(device, state, at);
    this.#onStatus(status);
    return status;
  }
}
