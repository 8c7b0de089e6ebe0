// The running meter agent: readings from the sensing layer, through the load relay, staged on disk
// until a message's worth of intervals is there, sealed (envelope type `readings`) into the durable
// queue, published oldest first over MQTT/TLS, and dropped from the queue only when the head-end's
// sealed `ack` names their counters. Commands come sealed on cmd/req and are answered sealed on
// cmd/res. Status: a retained `online` on connect, the retained `offline` will when the link dies.
//
// Link profiles: `persistent` (wifi) stays connected and reconnects with backoff; `per-window`
// (cellular) connects when there is something to send, drains the queue, waits for the acks,
// disconnects and sleeps, resuming the TLS session with the ticket of the last window.
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { ConfigError, deviceTopic, toWireBatch } from '@phasewire/core';
import type { Clock, MeterId, PhasewireError, Random, Snapshot } from '@phasewire/core';
import { EnvelopeReceiver, EnvelopeSender, InstalledEnvelopeKeys, KeyRing } from '@phasewire/secure';
import { FileCounterStore, NodeAead } from '@phasewire/secure/node';
import { Backoff } from '../../agent/backoff.ts';
import { decodeAck } from '../../agent/agent-messages.ts';
import { CommandHandler } from '../../agent/command-handler.ts';
import { envelopeCounterOf, InflightTracker } from '../../agent/inflight.ts';
import { LoadRelay } from '../../agent/load-relay.ts';
import { UplinkPolicy } from '../../agent/uplink-policy.ts';
import type { UplinkWork } from '../../agent/uplink-policy.ts';
import type { RelayState } from '../../agent/load-relay.ts';
import type { LinkProfile } from '../../link-profile.ts';
import type { SimulatedMeter } from '../../simulated-meter.ts';
import { DurableQueue } from '../queue/durable-queue.ts';
import type { AgentIdentity } from './enrollment.ts';
import { openMqttLink } from './mqtt-link.ts';
import { ReadingStage } from './reading-stage.ts';

export interface MeterAgentOptions {
  readonly identity: AgentIdentity;
  readonly dataDir: string;
  readonly broker: { readonly host: string; readonly port: number; readonly servername?: string };
  readonly profile: LinkProfile;
  readonly meter: SimulatedMeter;
  /** The meter's clock (simulated time in tests and the fleet); readings are stamped with it. */
  readonly clock: Clock;
  readonly random: Random;
  /** Messages out at once while a backlog drains; default 16. */
  readonly maxInflight?: number;
  readonly onEvent?: (event: AgentEvent) => void;
}

export type AgentEvent =
  | { readonly kind: 'connected'; readonly resumed: boolean }
  | { readonly kind: 'disconnected'; readonly reason: string }
  | { readonly kind: 'published'; readonly messages: number }
  | { readonly kind: 'acked'; readonly messages: number; readonly pending: number }
  | { readonly kind: 'command'; readonly id: string; readonly op: string; readonly ok: boolean; readonly code?: string }
  | { readonly kind: 'refused'; readonly code: string; readonly message: string };

export interface AgentStats {
  connections: number;
  resumedHandshakes: number;
  published: number;
  acked: number;
  commands: number;
  refusedEnvelopes: number;
}

const statusPayload = (state: 'online' | 'offline'): Buffer => Buffer.from(JSON.stringify({ state }));

export class MeterAgent {
  readonly #o: MeterAgentOptions;
  readonly #meter: MeterId;
  readonly #queue: DurableQueue;
  readonly #stage: ReadingStage;
  readonly #counters: FileCounterStore;
  readonly #window: FileCounterStore;
  readonly #sender: EnvelopeSender;
  readonly #receiver: EnvelopeReceiver;
  readonly #relay: LoadRelay;
  readonly #commands: CommandHandler;
  readonly #inflight: InflightTracker;
  readonly #backoff: Backoff;
  readonly #policy: UplinkPolicy;
  readonly stats: AgentStats = { connections: 0, resumedHandshakes: 0, published: 0, acked: 0, commands: 0, refusedEnvelopes: 0 };
  #client: MqttClient | undefined;
  #connecting = false;
  #running = false;
  #session: Buffer | undefined;
  #clockOffset = 0;
  #lastReadingAt = Number.NEGATIVE_INFINITY;
  #retryTimer: NodeJS.Timeout | undefined;
  #ackTimer: NodeJS.Timeout | undefined;
  #idleWaiters: (() => void)[] = [];
  /** Commands being handled: a per-window link stays up until their responses are out. */
  #commandsInProgress = 0;

  private constructor(options: MeterAgentOptions, parts: {
    queue: DurableQueue; stage: ReadingStage;
    counters: FileCounterStore; window: FileCounterStore; executed: string[]; relay: RelayState;
  }) {
    this.#o = options;
    this.#meter = options.identity.meter;
    this.#queue = parts.queue;
    this.#stage = parts.stage;
    this.#counters = parts.counters;
    this.#window = parts.window;
    const aead = new NodeAead();
    const keys = new InstalledEnvelopeKeys(aead);
    const { keyId, key } = options.identity.envelopeKey;
    keys.install(this.#meter, keyId, key);
    const keyRing = new KeyRing({ clock: options.clock, initialKeyId: keyId });
    this.#sender = new EnvelopeSender({ direction: 'uplink', aead, keys, keyRing, counters: parts.counters });
    this.#receiver = new EnvelopeReceiver({
      direction: 'downlink', aead, keys, keyRing, window: parts.window,
      onRefusal: (refusal) => { this.#refused(refusal.error); },
    });
    this.#relay = new LoadRelay();
    if (parts.relay === 'open') this.#relay.open();
    this.#commands = new CommandHandler({
      clock: { now: () => this.#now() },
      executed: parts.executed,
      target: {
        readOnDemand: () => toWireBatch({ meter: this.#meter, snapshots: [this.#read()] }),
        syncClock: (headEnd) => {
          const correction = headEnd - this.#now();
          this.#clockOffset += correction;
          return correction;
        },
        setRelay: (state) => { if (state === 'open') this.#relay.open(); else this.#relay.close(); },
      },
    });
    this.#inflight = new InflightTracker({ maxInflight: options.maxInflight ?? 16, ackTimeoutMs: options.profile.ackTimeoutMs });
    this.#backoff = new Backoff(options.profile.reconnect, options.random);
    this.#policy = new UplinkPolicy(options.profile);
  }

  /** Opens the agent's stores in its data directory (recovering them after a crash). */
  static async open(options: MeterAgentOptions): Promise<MeterAgent> {
    const dir = options.dataDir;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const queue = await DurableQueue.open(join(dir, 'queue'));
    const stage = await ReadingStage.open(join(dir, 'staging'));
    const counters = await FileCounterStore.open(join(dir, 'uplink-counters'));
    const window = await FileCounterStore.open(join(dir, 'downlink-window'));
    const executed = await readJson<string[]>(join(dir, 'commands.json'), []);
    const relay = await readJson<RelayState>(join(dir, 'relay.json'), 'closed');
    const agent = new MeterAgent(options, { queue, stage, counters, window, executed, relay });
    agent.#lastReadingAt = stage.lastAt ?? Number.NEGATIVE_INFINITY;
    return agent;
  }

  get meterId(): MeterId {
    return this.#meter;
  }

  get relayState(): RelayState {
    return this.#relay.state;
  }

  /** Sealed messages waiting for the head-end's ack. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Intervals read but not yet sealed into a message. */
  get staged(): number {
    return this.#stage.length;
  }

  get connected(): boolean {
    return this.#client?.connected === true;
  }

  /** Starts talking to the head-end: persistent profiles connect now, per-window ones when there is something to send. */
  start(): void {
    this.#running = true;
    if (this.#policy.shouldConnect(this.#work())) this.#connect();
  }

  /**
   * Reads one interval at the meter clock's time. It is durable when this resolves: staged, or
   * sealed into the queue when it completes a message.
   */
  async takeReading(): Promise<void> {
    await this.#stage.add(this.#read());
    if (this.#stage.length >= this.#o.profile.intervalsPerMessage) await this.flush();
  }

  /** Seals every staged interval into one message now (a shorter message than the profile's). */
  async flush(): Promise<void> {
    if (this.#stage.length === 0) return;
    const { snapshots, seqs } = this.#stage.snapshots();
    const sealed = await this.#sender.sealValue(this.#meter, 'readings', toWireBatch({ meter: this.#meter, snapshots }));
    // Queued before released: a crash in between sends these intervals twice, which ingest absorbs.
    await this.#queue.append(sealed);
    await this.#stage.release(seqs);
    if (this.#running) {
      if (this.connected) this.#pump();
      else this.#connect();
    }
  }

  /** Resolves when the queue is empty (everything acknowledged). */
  drained(): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => { this.#idleWaiters.push(resolve); });
  }

  /** Stops: a graceful goodbye (retained `offline`), then the stores are closed. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#ackTimer);
    const client = this.#client;
    this.#client = undefined;
    if (client?.connected === true) {
      await new Promise<void>((resolve) => {
        client.publish(deviceTopic(this.#meter, 'status'), statusPayload('offline'), { qos: 1, retain: true }, () => { resolve(); });
      });
      await client.endAsync();
    } else {
      client?.end(true);
    }
    await this.#queue.close();
    await this.#stage.close();
    await this.#counters.close();
    await this.#window.close();
  }

  #work(): UplinkWork {
    return { queued: this.#queue.length, commandsInProgress: this.#commandsInProgress };
  }

  #now(): number {
    return this.#o.clock.now() + this.#clockOffset;
  }

  #read(): Snapshot {
    // The meter cannot go back in time: after a clock correction backwards it holds at the last reading.
    const at = Math.max(this.#now(), this.#lastReadingAt);
    this.#lastReadingAt = at;
    return this.#relay.apply(this.#o.meter.advanceTo(at));
  }

  #connect(): void {
    if (!this.#running || this.#connecting || this.#client !== undefined || this.#retryTimer !== undefined) return;
    this.#connecting = true;
    const { identity, broker, profile } = this.#o;
    openMqttLink({
      host: broker.host, port: broker.port, ...(broker.servername === undefined ? {} : { servername: broker.servername }),
      identity: identity.tls, trust: identity.trust, clientId: this.#meter, keepAliveSeconds: profile.keepAliveSeconds,
      connectTimeoutMs: Math.min(profile.ackTimeoutMs, 30_000),
      ...(profile.resumeSessions && this.#session !== undefined ? { session: this.#session } : {}),
      will: { topic: deviceTopic(this.#meter, 'status'), payload: statusPayload('offline') },
      onSession: (ticket) => { this.#session = ticket; },
    }).then((link) => {
      this.#connecting = false;
      if (!this.#running) {
        link.client.end(true);
        return;
      }
      this.#online(link.client, link.resumed);
    }, (error: unknown) => {
      this.#connecting = false;
      this.#retry(error instanceof Error ? error.message : String(error));
    });
  }

  #retry(reason: string): void {
    this.#o.onEvent?.({ kind: 'disconnected', reason });
    if (!this.#running) return;
    const delay = this.#backoff.next();
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#policy.shouldConnect(this.#work())) this.#connect();
    }, delay);
  }

  #online(client: MqttClient, resumed: boolean): void {
    this.#client = client;
    this.#backoff.reset();
    this.stats.connections++;
    if (resumed) this.stats.resumedHandshakes++;
    this.#o.onEvent?.({ kind: 'connected', resumed });
    client.on('message', (topic, payload) => { this.#onMessage(topic, payload); });
    client.on('close', () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      this.#inflight.reset();
      clearTimeout(this.#ackTimer);
      // A per-window link that closed after its work is done is asleep, not broken.
      if (this.#policy.afterClose(this.#work()) === 'asleep') return;
      this.#retry('the connection closed');
    });
    client.on('error', () => { client.end(true); });
    client.subscribe([deviceTopic(this.#meter, 'cmd/req'), deviceTopic(this.#meter, 'ack')], { qos: 1 }, (error) => {
      if (error !== null || this.#client !== client || !client.connected) return;
      client.publish(deviceTopic(this.#meter, 'status'), statusPayload('online'), { qos: 1, retain: true });
      this.#pump();
    });
  }

  #pump(): void {
    const client = this.#client;
    if (client === undefined || !client.connected) return;
    const now = performance.now();
    const maxInflight = this.#o.maxInflight ?? 16;
    const out = this.#inflight.take(this.#queue.peek(maxInflight + this.#inflight.size), now);
    for (const record of out) {
      client.publish(deviceTopic(this.#meter, 'up/readings'), Buffer.from(record.payload), { qos: 1 });
    }
    if (out.length > 0) {
      this.stats.published += out.length;
      this.#o.onEvent?.({ kind: 'published', messages: out.length });
    }
    clearTimeout(this.#ackTimer);
    const due = this.#inflight.nextTimeout();
    if (due !== undefined) this.#ackTimer = setTimeout(() => { this.#pump(); }, Math.max(0, due - performance.now()) + 1);
    this.#maybeSleep();
  }

  #maybeSleep(): void {
    if (this.#queue.length > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
    const client = this.#client;
    if (client === undefined || !this.#policy.shouldSleep(this.#work())) return;
    this.#client = undefined;
    // The window's work is done: say goodbye so the broker does not publish the will, and sleep.
    client.publish(deviceTopic(this.#meter, 'status'), statusPayload('offline'), { qos: 1, retain: true }, () => { client.end(); });
  }

  #onMessage(topic: string, payload: Buffer): void {
    const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.length);
    if (topic === deviceTopic(this.#meter, 'ack')) {
      void this.#onAck(bytes).catch((error: unknown) => { this.#refusedUnknown(error); });
    } else if (topic === deviceTopic(this.#meter, 'cmd/req')) {
      const client = this.#client;
      this.#commandsInProgress++;
      void this.#onCommand(bytes, client).catch((error: unknown) => { this.#refusedUnknown(error); }).finally(() => {
        this.#commandsInProgress--;
        this.#maybeSleep();
      });
    }
  }

  async #onAck(bytes: Uint8Array): Promise<void> {
    const opened = await this.#receiver.openValue(this.#meter, bytes);
    if (opened.header.messageType !== 'ack') return;
    const ack = decodeAck(opened.value);
    const seqs = this.#inflight.acked(ack.keyId, ack.counters);
    if (seqs.length < ack.counters.length) {
      // Acks of messages sent on an earlier connection (the broker kept them for this session).
      const wanted = new Set(ack.counters);
      for (const record of this.#queue.peek(Number.MAX_SAFE_INTEGER)) {
        const id = envelopeCounterOf(record.payload);
        if (id !== undefined && id.keyId === ack.keyId && wanted.has(id.counter) && !seqs.includes(record.seq)) seqs.push(record.seq);
      }
    }
    if (seqs.length === 0) return;
    await this.#queue.ack(...seqs);
    this.stats.acked += seqs.length;
    this.#o.onEvent?.({ kind: 'acked', messages: seqs.length, pending: this.#queue.length });
    this.#pump();
  }

  async #onCommand(bytes: Uint8Array, client: MqttClient | undefined): Promise<void> {
    const opened = await this.#receiver.openValue(this.#meter, bytes);
    if (opened.header.messageType !== 'command') return;
    const handled = this.#commands.handle(opened.value);
    if (handled.command === undefined || handled.response === undefined) {
      this.#o.onEvent?.({ kind: 'refused', code: 'PW_ERR_COMMAND_INVALID', message: 'a command body that is not a phasewire command' });
      return;
    }
    if (handled.executed) {
      this.stats.commands++;
      await writeJson(join(this.#o.dataDir, 'commands.json'), this.#commands.executedIds());
      await writeJson(join(this.#o.dataDir, 'relay.json'), this.#relay.state);
    }
    const { response } = handled;
    this.#o.onEvent?.({ kind: 'command', id: response.id, op: handled.command.op, ok: response.ok, ...(response.code === undefined ? {} : { code: response.code }) });
    const sealed = await this.#sender.sealValue(this.#meter, 'command-response', response);
    if (client?.connected !== true) return;
    await new Promise<void>((resolve) => { client.publish(deviceTopic(this.#meter, 'cmd/res'), Buffer.from(sealed), { qos: 1 }, () => { resolve(); }); });
  }

  #refused(error: PhasewireError): void {
    this.stats.refusedEnvelopes++;
    this.#o.onEvent?.({ kind: 'refused', code: error.code, message: error.message });
  }

  #refusedUnknown(error: unknown): void {
    // Envelope refusals were reported by the receiver; anything else is reported here.
    if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' && error.code.startsWith('PW_ERR_ENVELOPE')) return;
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'PW_ERR_REPLAY') return;
    this.#o.onEvent?.({ kind: 'refused', code: typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown', message: error instanceof Error ? error.message : String(error) });
  }
}

/** A state file, or `fallback` when there is none yet; an unreadable one stops the agent (it guards at-most-once). */
async function readJson<T>(path: string, fallback: T): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw new ConfigError('PW_ERR_AGENT_STATE', `Cannot read the agent state file ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new ConfigError('PW_ERR_AGENT_STATE', `Cannot use the agent state file ${path}: it is not JSON; expected what the agent wrote (restore it or remove it knowingly)`, { cause: error });
  }
}

/** Write, fsync, rename: the file is the old or the new state after a crash, never a torn one. */
async function writeJson(path: string, value: unknown): Promise<void> {
  const handle = await open(`${path}.tmp`, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(value));
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(`${path}.tmp`, path);
}
