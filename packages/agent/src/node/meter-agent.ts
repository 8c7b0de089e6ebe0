// The running meter agent: readings from the sensing layer, through the load relay, staged on disk
// until a message's worth of intervals is there, sealed (envelope type `readings`) into the durable
// queue, published oldest first over MQTT/TLS, and dropped from the queue only when the head-end's
// sealed `ack` names their counters. Commands come sealed on cmd/req and are answered sealed on
// cmd/res; an answer is queued like readings, in the order it was sealed, and leaves the queue on the
// head-end's ack too, so one that cannot go out now (a cellular window closing, the link lost, the
// agent stopped) goes at the next window. Status: a retained `online` on connect, the retained
// `offline` will when the link dies.
//
// Link profiles (./agent-link.ts keeps the connection): `persistent` (wifi) stays connected and
// reconnects with backoff; `per-window` (cellular) connects when there is something to send,
// drains the queue, waits for the acks, disconnects and sleeps, resuming the TLS session with the
// ticket of the last window.
//
// Readings come from a ReadingSource (../reading-source.ts): a simulated meter, or a
// Modbus meter polled by a gateway. Commands the source cannot carry out are answered "unsupported".
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, deviceTopic, PhasewireError, toWireBatch, type MeterId } from '@phasewire/core';
import type { EnvelopeReceiver, EnvelopeSender } from '@phasewire/secure';
import { FileCounterStore, type DirectoryLock } from '@phasewire/secure/node';
import { decodeAck } from '@phasewire/core/protocol';
import { envelopeCounterOf, InflightTracker, isCommandResponse, isEvent } from '../inflight.ts';
import { LoadRelay, type RelayState } from '@phasewire/meter';
import { RecentDownlinks } from '../recent-downlinks.ts';
import { simulatorSource, type ReadingSource } from '../reading-source.ts';
import type { UplinkWork } from '../uplink-policy.ts';
import { DurableQueue } from './queue/durable-queue.ts';
import { refusalEvent, type AgentStats, type MeterAgentOptions } from './agent-types.ts';
import { AgentCommands } from './agent-commands.ts';
import type { ProtectionState } from '../protected-source.ts';
import { confirmLocally, reportProtection, restoreProtection } from './agent-protection.ts';
import { RelayStatusReporter } from './relay-status.ts';
import { agentEnvelopes } from './agent-envelopes.ts';
import { AgentLink } from './agent-link.ts';
import { ReadingStage } from './reading-stage.ts';
import { ackedSequences, lockDataDir, readJson } from './state-files.ts';
import { AgentFirmware } from './firmware/agent-firmware.ts';

export type { AgentEvent, AgentStats, MeterAgentOptions } from './agent-types.ts';

export class MeterAgent {
  readonly #o: MeterAgentOptions;
  readonly #meter: MeterId;
  readonly #queue: DurableQueue;
  readonly #stage: ReadingStage;
  readonly #counters: FileCounterStore;
  readonly #window: FileCounterStore;
  /** The data directory's lock: one agent per directory (two would reuse envelope counters). */
  readonly #lock: DirectoryLock;
  readonly #sender: EnvelopeSender;
  readonly #receiver: EnvelopeReceiver;
  readonly #source: ReadingSource;
  readonly #commands: AgentCommands;
  readonly #inflight: InflightTracker;
  readonly #link: AgentLink;
  readonly #relayStatus: RelayStatusReporter;
  /** The firmware it runs and the update in hand (agent-firmware.ts); none without `options.firmware`. */
  readonly #firmware: AgentFirmware | undefined;
  readonly stats: AgentStats = { connections: 0, resumedHandshakes: 0, published: 0, acked: 0, commands: 0, refusedEnvelopes: 0,
    refusedReadings: 0, duplicates: 0 };
  /** Downlink envelopes accepted lately, to tell a QoS 1 redelivery from a replay. */
  readonly #recent = new RecentDownlinks();
  #clockOffset = 0;
  #lastReadingAt = Number.NEGATIVE_INFINITY;
  #ackTimer: NodeJS.Timeout | undefined;
  /** Acks and commands being handled (stop() lets them finish before it closes the stores). */
  readonly #handling = new Set<Promise<void>>();
  #idleWaiters: (() => void)[] = [];
  /** Commands being handled: a per-window link stays up until their answers are queued. */
  #commandsInProgress = 0;
  /** The last seal-and-queue: the next one starts after it (#enqueue). */
  #sealing: Promise<void> = Promise.resolve();
  /** When the latest uplink envelopes were first published, by `keyId/counter`, and on which connection (clock-sync transit). */
  readonly #publishedAt = new Map<string, { readonly at: number; readonly connection: number }>();

  private constructor(options: MeterAgentOptions, parts: {
    queue: DurableQueue; stage: ReadingStage; firmware: AgentFirmware | undefined; relayStatus: RelayStatusReporter;
    counters: FileCounterStore; window: FileCounterStore; executed: string[]; relay: RelayState; lock: DirectoryLock;
  }) {
    this.#o = options;
    this.#meter = options.identity.meter;
    this.#queue = parts.queue;
    this.#stage = parts.stage;
    this.#counters = parts.counters;
    this.#window = parts.window;
    this.#lock = parts.lock;
    this.#relayStatus = parts.relayStatus;
    const firmware = this.#firmware = parts.firmware;
    ({ sender: this.#sender, receiver: this.#receiver } = agentEnvelopes({
      identity: options.identity, clock: options.clock, counters: parts.counters, window: parts.window,
      // A replay is judged where its bytes are at hand (#downlinkFailed): it may be a redelivery.
      onRefusal: (error) => { if (error.code !== 'PW_ERR_REPLAY') this.#refused(error); },
    }));
    if (options.meter !== undefined) {
      const relay = new LoadRelay();
      if (parts.relay === 'open') relay.open();
      this.#source = simulatorSource(options.meter, relay);
    } else {
      this.#source = options.source;
    }
    if (firmware !== undefined) this.#source = firmware.wrap(this.#source);
    this.#commands = new AgentCommands({
      meter: this.#meter, dataDir: options.dataDir, source: this.#source, executed: parts.executed, now: () => this.#now(),
      readingTime: () => this.#readingTime(), correctClock: (correction) => { this.#clockOffset += correction; },
      // Only an envelope of this connection: one of an earlier window bounds a time that may have
      // waited at the broker while the meter slept, far from a round trip.
      elapsedSince: (keyId, counter) => {
        const sent = this.#publishedAt.get(`${keyId}/${counter}`);
        return sent?.connection !== this.stats.connections ? undefined : options.clock.now() - sent.at;
      },
      ...(options.clockSyncMaxAgeMs === undefined ? {} : { clockSyncMaxAgeMs: options.clockSyncMaxAgeMs }),
      ...(firmware === undefined ? {} : { firmwareUpdate: (args) => firmware.take(args) }),
    });
    this.#inflight = new InflightTracker({ maxInflight: options.maxInflight ?? 16, ackTimeoutMs: options.profile.ackTimeoutMs });
    this.#link = new AgentLink({
      meter: this.#meter, identity: options.identity, broker: options.broker, profile: options.profile, random: options.random,
      stats: this.stats, ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
      ...(options.describe === undefined ? {} : { describe: options.describe }),
      ...(firmware === undefined ? {} : { firmware: () => firmware.status }),
      work: () => this.#work(),
      onReady: () => { this.#pump(); },
      onMessage: (topic, payload) => { this.#onMessage(topic, payload); },
      onClosed: () => { this.#inflight.reset(); clearTimeout(this.#ackTimer); },
    });
  }

  /** Opens the agent's stores in its data directory (recovering them after a crash). */
  static async open(options: MeterAgentOptions): Promise<MeterAgent> {
    if ((options.meter === undefined) === (options.source === undefined)) {
      throw new ConfigError('PW_ERR_AGENT_SOURCE', `Cannot open the agent of ${options.identity.meter}: `
        + `given ${options.meter === undefined ? 'neither' : 'both'} a simulated meter and a reading source, expected exactly one`);
    }
    const dir = options.dataDir;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const lock = await lockDataDir(options.identity.meter, dir);
    try {
      const queue = await DurableQueue.open(join(dir, 'queue'));
      const stage = await ReadingStage.open(join(dir, 'staging'));
      const counters = await FileCounterStore.open(join(dir, 'uplink-counters'));
      const window = await FileCounterStore.open(join(dir, 'downlink-window'));
      const executed = await readJson<string[]>(join(dir, 'commands.json'), []);
      const relay = await readJson<RelayState>(join(dir, 'relay.json'), 'closed');
      const protection = await readJson<ProtectionState | undefined>(join(dir, 'protection.json'), undefined);
      const relayStatus = await RelayStatusReporter.open(dir);
      const firmware = options.firmware === undefined ? undefined : await AgentFirmware.open(options.firmware, dir);
      const agent = new MeterAgent(options, { queue, stage, counters, window, executed, relay, lock, relayStatus, firmware });
      if (protection !== undefined) restoreProtection(agent.#source, protection);
      agent.#lastReadingAt = stage.lastAt ?? Number.NEGATIVE_INFINITY;
      // A command that was running when the agent last stopped is answered (as interrupted) at the next window.
      const recovered = await agent.#commands.recover((response) => agent.#enqueue('command-response', response));
      if (recovered !== undefined) options.onEvent?.(recovered);
      await agent.#reportProtection();
      return agent;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  get meterId(): MeterId {
    return this.#meter;
  }

  /** The load relay's state ('closed' for a meter without a relay the agent can switch). */
  get relayState(): RelayState {
    return this.#source.relay?.state ?? 'closed';
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
    return this.#link.connected;
  }

  /** Starts talking to the head-end: persistent profiles connect now, per-window ones when there is something to send. */
  start(): void {
    this.#link.start();
    this.#firmware?.start({ now: () => this.#now(), stats: this.stats, link: this.#link,
      report: async (progress) => { await this.#enqueue('event', progress); this.#send(); } });
  }

  /**
   * Takes one reading from the source (a simulated meter reads at the meter clock's time). It is
   * durable when this resolves: staged, or sealed into the queue when it completes a message.
   */
  async takeReading(): Promise<void> {
    await this.takeAvailableReading();
  }

  /** As takeReading(), and resolves false when the source had no reading (nothing was staged). */
  async takeAvailableReading(): Promise<boolean> {
    const snapshot = await this.#source.read(this.#readingTime());
    await this.#reportProtection();
    if (snapshot === undefined) return false;
    await this.#stage.add(snapshot);
    if (this.#stage.length >= this.#o.profile.intervalsPerMessage) await this.flush();
    return true;
  }

  /** Trips protection made while the meter was read, and a change of the relay, sealed into the queue (agent-protection.ts). */
  async #reportProtection(): Promise<void> {
    const enqueue = (type: 'event' | 'status', body: unknown): Promise<void> => this.#enqueue(type, body);
    if (await reportProtection(this.#source, this.#meter, this.#o, this.#relayStatus, this.#now(), enqueue)) this.#send();
  }

  /** The confirm at the premises (the meter's button): closes a relay a reconnect armed. */
  async confirmLocally(): Promise<{ readonly ok: boolean; readonly reason?: string }> {
    const outcome = await confirmLocally(this.#source, this.#o.dataDir);
    await this.#reportProtection();
    return outcome;
  }

  /** Seals every staged interval into one message now (a shorter message than the profile's). */
  async flush(): Promise<void> {
    if (this.#stage.length === 0) return;
    const { snapshots, seqs } = this.#stage.snapshots();
    // Queued before released: a crash in between sends these intervals twice, which ingest absorbs.
    await this.#enqueue('readings', toWireBatch({ meter: this.#meter, snapshots }));
    await this.#stage.release(seqs);
    this.#send();
  }

  /** Resolves when the queue is empty (everything acknowledged). */
  drained(): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => { this.#idleWaiters.push(resolve); });
  }

  /** Stops: a graceful goodbye (retained `offline`), then the stores are closed. */
  async stop(): Promise<void> {
    await this.#firmware?.stop();
    clearTimeout(this.#ackTimer);
    await this.#link.stop();
    // No message arrives after the link stopped; the acks and commands already being handled finish
    // before the stores close (an ack's queue write after the close was refused, and logged, with
    // PW_ERR_QUEUE_CLOSED; its message stayed queued and was sent again at the next start).
    await Promise.all(this.#handling);
    await this.#queue.close();
    await this.#stage.close();
    await this.#counters.close();
    await this.#window.close();
    await this.#lock.release();
  }

  #work(): UplinkWork {
    return { queued: this.#queue.length, commandsInProgress: this.#commandsInProgress + (this.#firmware?.busy === true ? 1 : 0) };
  }

  #now(): number {
    return this.#o.clock.now() + this.#clockOffset;
  }

  #readingTime(): number {
    // The meter cannot go back in time: after a clock correction backwards it holds at the last reading.
    const at = Math.max(this.#now(), this.#lastReadingAt);
    this.#lastReadingAt = at;
    return at;
  }

  /**
   * Seals an uplink message and queues it durably, one at a time: the queue's order is the order of
   * the envelope counters, which is the order the head-end's replay window accepts (see #pump).
   */
  #enqueue(type: 'readings' | 'command-response' | 'event' | 'status', value: unknown): Promise<void> {
    const queued = this.#sealing.then(async () => {
      await this.#queue.append(await this.#sender.sealValue(this.#meter, type, value));
    });
    this.#sealing = queued.catch(() => undefined);
    return queued;
  }

  /** Something was queued: out now when connected, or a window opened for it. */
  #send(): void {
    if (!this.#link.running) return;
    if (this.connected) this.#pump();
    else this.#link.connect();
  }

  #pump(): void {
    const client = this.#link.client;
    // A bad build whose defect is that it publishes nothing (the demo's rollback): the queue waits for the old slot.
    if (client === undefined || !client.connected || this.#firmware?.publishing === false) return;
    const now = performance.now();
    const maxInflight = this.#o.maxInflight ?? 16;
    const out = this.#inflight.take(this.#queue.peek(maxInflight + this.#inflight.size), now);
    for (const record of out) {
      // In queue order whatever the topic: the head-end's replay window takes counters only upwards,
      // so an answer overtaking readings sealed before it would have them refused as replays.
      const topic = isCommandResponse(record.payload) ? 'cmd/res' : isEvent(record.payload) ? 'up/events' : 'up/readings';
      client.publish(deviceTopic(this.#meter, topic), Buffer.from(record.payload), { qos: 1 });
      this.#notePublished(record.payload);
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

  /** The first publish of an envelope, on the agent's own clock (uncorrected: elapsed times only); the last 256 are kept. */
  #notePublished(envelope: Uint8Array): void {
    const id = envelopeCounterOf(envelope);
    if (id === undefined) return;
    const key = `${id.keyId}/${id.counter}`;
    if (this.#publishedAt.has(key)) return;
    this.#publishedAt.set(key, { at: this.#o.clock.now(), connection: this.stats.connections });
    if (this.#publishedAt.size > 256) this.#publishedAt.delete(this.#publishedAt.keys().next().value ?? key);
  }

  #maybeSleep(): void {
    if (this.#queue.length > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
    this.#link.sleepIfDone();
  }

  #onMessage(topic: string, payload: Buffer): void {
    const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.length);
    if (topic === deviceTopic(this.#meter, 'ack')) {
      const handling = this.#onAck(bytes).catch((error: unknown) => { this.#downlinkFailed('ack', bytes, error); });
      this.#handling.add(handling);
      void handling.finally(() => this.#handling.delete(handling));
    } else if (topic === deviceTopic(this.#meter, 'cmd/req')) {
      // Also on a connection saying goodbye at the end of its window: the answer is queued either way.
      this.#commandsInProgress++;
      const handling = this.#onCommand(bytes).catch((error: unknown) => { this.#downlinkFailed('command', bytes, error); }).finally(() => {
        this.#commandsInProgress--;
        this.#maybeSleep();
      });
      this.#handling.add(handling);
      void handling.finally(() => this.#handling.delete(handling));
    }
  }

  async #onAck(bytes: Uint8Array): Promise<void> {
    const opened = await this.#receiver.openValue(this.#meter, bytes);
    this.#recent.remember(bytes);
    if (opened.header.messageType !== 'ack') return;
    const ack = decodeAck(opened.value);
    const seqs = ackedSequences(this.#inflight, this.#queue, ack);
    if (seqs.length === 0) return;
    // Reported when the ack releases messages (a repeated ack released them before and returned above).
    for (const refusal of ack.refused ?? []) {
      this.stats.refusedReadings += refusal.readings;
      this.#o.onEvent?.({ kind: 'readings-refused', code: refusal.code, readings: refusal.readings });
    }
    await this.#queue.ack(...seqs);
    this.stats.acked += seqs.length;
    this.#o.onEvent?.({ kind: 'acked', messages: seqs.length, pending: this.#queue.length });
    this.#pump();
  }

  async #onCommand(bytes: Uint8Array): Promise<void> {
    const opened = await this.#receiver.openValue(this.#meter, bytes);
    this.#recent.remember(bytes);
    if (opened.header.messageType !== 'command') return;
    // The answer is on disk before it is sent, and there until the head-end's ack: across a closing
    // window, a lost link and a restart. A copy sent twice (a lost ack) is harmless: the head-end
    // records one answer per command id and acknowledges the copy again.
    const { event, executed } = await this.#commands.handle(opened.value, (response) => this.#enqueue('command-response', response));
    if (executed) this.stats.commands++;
    await this.#reportProtection();
    this.#o.onEvent?.(event);
    this.#send();
  }

  #refused(error: PhasewireError): void {
    this.stats.refusedEnvelopes++;
    this.#o.onEvent?.({ kind: 'refused', code: error.code, message: error.message });
  }

  /** A downlink message that was not handled: a duplicate delivery, a refused envelope, or a failure after opening. */
  #downlinkFailed(topic: 'ack' | 'command', bytes: Uint8Array, error: unknown): void {
    if (error instanceof PhasewireError && error.code === 'PW_ERR_REPLAY') {
      if (this.#recent.has(bytes)) {
        this.stats.duplicates++;
        this.#o.onEvent?.({ kind: 'duplicate', topic });
      } else {
        this.#refused(error);
      }
      return;
    }
    const event = refusalEvent(error);
    if (event !== undefined) this.#o.onEvent?.(event);
  }
}
