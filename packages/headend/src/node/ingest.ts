// The ingest path of one head-end: open the envelope for the certificate's device, check the
// replay window, decode and validate the batch, commit to the store, and only then acknowledge
// (the caller sends the PUBACK when handle() resolves; this sends the sealed `ack` message). A
// counter refused as a replay is acknowledged again only when the message authenticates and its
// readings are in the store: an ack is a receipt for stored readings, never for a counter alone.
// An authentic message refused for good (ingest-decision.ts) is acknowledged too, with the refusal
// in the ack, once its counter is committed; one that does not authenticate never is, and a store
// failure is not (the device sends it again).
// Concurrent messages are group-committed: everything that arrives while a commit runs goes into
// the next one, which is one store transaction. The replay window of the committed groups is
// written afterwards, at most every `windowFlushMs` (one transaction, one fsync, for many groups):
// the window may lag the store — as it always could between the two commits — and a message
// redelivered after a crash within that lag passes the window again, where the store's idempotence
// on (meter, quantity, time) stores nothing twice (head-end-counters.ts). Where other workers share
// the counter table (PostgreSQL), each group's counters are claimed (a compare-and-set) right after
// its readings commit and before any ack: a counter another worker claimed first is a replay here,
// acknowledged as one (its readings are in the store), so each counter is accepted exactly once.
import { deviceTopic, PhasewireError, SecurityError } from '@phasewire/core';
import type { Clock, MeterId, Snapshot } from '@phasewire/core';
import { counterScope, decodeEnvelope } from '@phasewire/secure';
import type { CounterScope, DeviceId, EnvelopeReceiver, EnvelopeSender, OpenedValue } from '@phasewire/secure';
import type { MeterStore } from '@phasewire/store';
import { toWireAcks } from '../ack-message.ts';
import type { AckEntry, AckRefusal } from '../ack-message.ts';
import { readingsDecision, unreadable } from '../ingest-decision.ts';
import { defaultReadingTimeWindow, readingTimeRefusal, splitByTime } from '../reading-times.ts';
import type { ReadingTimeWindow, TimeSplit } from '../reading-times.ts';
import { RefusalCounters, refusalReasonOf } from '../refusal-counters.ts';
import type { RefusalReason } from '../refusal-counters.ts';
import { sampled, silentLog } from '../head-end-log.ts';
import type { HeadEndEvent, HeadEndLog } from '../head-end-log.ts';
import type { HeadEndCounters } from './head-end-counters.ts';
import { IngestWindow } from './ingest-window.ts';
import { readingsMissing } from './readings-missing.ts';

export type IngestOutcome =
  /** Committed; `refused` readings of it (times outside the window) were not stored and the ack says so. */
  | { readonly kind: 'stored'; readonly readings: number; readonly refused?: number }
  /**
   * Not stored. `acknowledged`: authentic and refused for good (ingest-decision.ts), its counter
   * committed to the replay window and acknowledged with the refusal, so the device drops it.
   */
  | { readonly kind: 'refused'; readonly reason: RefusalReason; readonly error: Error; readonly acknowledged?: true };

export interface IngestOptions {
  readonly store: MeterStore;
  /** Uplink receiver whose window is `window`. */
  readonly receiver: EnvelopeReceiver;
  readonly window: HeadEndCounters;
  /** Downlink sender for the sealed acks. */
  readonly acks: EnvelopeSender;
  /** Publishes a downlink message (QoS 1); errors are logged, the readings stay committed. */
  readonly publish: (topic: string, payload: Uint8Array) => Promise<void>;
  readonly refusals?: RefusalCounters;
  readonly log?: HeadEndLog;
  /**
   * Where failures that repeat for as long as their cause lasts go (a full disk: every commit and
   * every window write fails): sampled, the first line and then a count per interval (sampled-log.ts).
   * Every event is written to `log` when absent.
   */
  readonly floodLog?: (key: string, event: HeadEndEvent) => void;
  /** Most messages in one commit (default 4096). */
  readonly maxGroup?: number;
  /** Longest the durable replay window lags the committed readings, ms (default 250; 0: after every group). */
  readonly windowFlushMs?: number;
  /** The clock reading times are judged on (the head-end's; a simulation passes its meters' clock). */
  readonly clock: Clock;
  /** The reading times stored (default 366 days back to 15 minutes ahead). */
  readonly readingTimes?: ReadingTimeWindow;
}

interface Pending {
  readonly sender: DeviceId;
  readonly meter: MeterId;
  readonly scope: CounterScope;
  readonly entry: AckEntry;
  readonly snapshots: readonly Snapshot[];
  /** The whole message refused for good (no snapshots): acknowledged with it once committed. */
  readonly refusal?: PhasewireError;
  readonly resolve: (outcome: IngestOutcome) => void;
}

export class Ingest {
  readonly refusals: RefusalCounters;
  readonly #options: IngestOptions;
  readonly #log: HeadEndLog;
  readonly #floodLog: (key: string, event: HeadEndEvent) => void;
  readonly #maxGroup: number;
  readonly #window: IngestWindow;
  readonly #readingTimes: ReadingTimeWindow;
  #queue: Pending[] = [];
  /** `scope counter` of the messages queued or being committed: a copy of one waits for its commit. */
  readonly #inFlight = new Set<string>();
  #running: Promise<void> | undefined;
  #stored = 0;
  #messages = 0;
  /** Called with each successful commit's duration (the metrics' commit latency); none by default. */
  readonly #onCommitTimed = new Set<(seconds: number, messages: number, readings: number) => void>();
  /** Called with each committed group's snapshots (the API's live feed); none by default. */
  readonly #onCommitted = new Set<(snapshots: readonly Snapshot[]) => void>();

  constructor(options: IngestOptions) {
    this.#options = options;
    this.refusals = options.refusals ?? new RefusalCounters();
    this.#log = options.log ?? silentLog;
    const log = this.#log;
    this.#floodLog = options.floodLog ?? ((_key, event) => { log(event); });
    this.#maxGroup = options.maxGroup ?? 4096;
    this.#window = new IngestWindow(options.window, options.windowFlushMs ?? 250, this.#floodLog);
    this.#readingTimes = options.readingTimes ?? defaultReadingTimeWindow;
  }

  /** Readings committed since start. */
  get stored(): number { return this.#stored; }

  /** Messages whose readings were committed since start. */
  get messages(): number { return this.#messages; }

  /** Calls `listener` with the duration of every successful store commit, its messages and readings; returns the unsubscribe. */
  onCommitTimed(listener: (seconds: number, messages: number, readings: number) => void): () => void {
    this.#onCommitTimed.add(listener);
    return () => { this.#onCommitTimed.delete(listener); };
  }

  /**
   * Calls `listener` with the snapshots of every group once the store has committed them (never
   * before: a listener sees only what a restart would still find). It runs on the commit path, so
   * it must be cheap and must not throw; an error it throws is logged. Returns the unsubscribe.
   */
  onCommitted(listener: (snapshots: readonly Snapshot[]) => void): () => void {
    this.#onCommitted.add(listener);
    return () => { this.#onCommitted.delete(listener); };
  }

  /**
   * Handles a readings message that `sender` (the certificate's device, already authorised for the
   * topic) published on `meter`'s topic. Resolves once its readings are committed, or with the
   * refusal; never rejects.
   */
  handle(sender: DeviceId, meter: MeterId, payload: Uint8Array): Promise<IngestOutcome> {
    let opened;
    try {
      opened = this.#options.receiver.openValue(sender, payload);
    } catch (error) {
      return Promise.resolve(this.refuse(sender, error));
    }
    if ('then' in opened)
      return opened.then((value) => this.#accept(sender, meter, value), (error: unknown) => this.#refused(sender, meter, payload, error));
    return this.#accept(sender, meter, opened);
  }

  /** Counts and logs a refusal under the sender's id. */
  refuse(sender: string, error: unknown, reasonOverride?: RefusalReason): Extract<IngestOutcome, { kind: 'refused' }> {
    const code = error instanceof PhasewireError ? error.code : undefined;
    const reason = reasonOverride ?? refusalReasonOf(code);
    this.refusals.count(sender, reason);
    const count = this.refusals.of(sender, reason);
    const message = error instanceof Error ? error.message : String(error);
    const event: HeadEndEvent = { level: 'warn', msg: message, device: sender, reason, ...(code === undefined ? {} : { code }), count };
    // A store failure is the store's, not the device's: one line for all devices, then a count.
    if (reason === 'store-failed') this.#floodLog('store-failed', { ...event, msg: `Cannot store the readings of ${sender}: ${message}` });
    else if (sampled(count)) this.#log(event);
    return { kind: 'refused', reason, error: error instanceof Error ? error : new Error(message) };
  }

  #refuseTimes(sender: DeviceId, meter: MeterId, split: TimeSplit): AckRefusal {
    const error = readingTimeRefusal(meter, split, this.#options.clock.now(), this.#readingTimes);
    this.refusals.count(sender, 'implausible-time', split.refusedReadings);
    const count = this.refusals.of(sender, 'implausible-time');
    if (sampled(count))
      this.#log({ level: 'warn', msg: error.message, device: sender, reason: 'implausible-time', code: error.code, count });
    return { code: error.code, readings: split.refusedReadings };
  }

  #refused(sender: DeviceId, meter: MeterId, payload: Uint8Array, error: unknown): IngestOutcome | Promise<IngestOutcome> {
    if (unreadable(error)) return this.#acknowledgeUnreadable(sender, meter, payload, error);
    // A redelivery of a committed message is refused as a replay and stores nothing, but the device
    // still waits for its receipt. The window refused it before any decryption, so nothing about it
    // is known yet: it is acknowledged again only once it authenticates and its readings are found
    // committed in the store (a counter below the mark may be a message that was never stored).
    if (error instanceof PhasewireError && error.code === 'PW_ERR_REPLAY') {
      let header;
      try {
        header = decodeEnvelope(payload).header;
      } catch {
        // The receiver has decoded this header already; nothing more to do for a broken one.
        return this.refuse(sender, error);
      }
      const scope = counterScope(sender, 'uplink', header.keyId);
      if (header.counter <= (this.#window.committed.get(scope) ?? 0n) || header.counter <= this.#options.window.durable(scope)) {
        return this.#acknowledgeAgain(sender, meter, payload, error);
      }
    }
    return this.refuse(sender, error);
  }

  /** A replayed counter: the sealed ack again when the message is genuine and its readings are stored. */
  async #acknowledgeAgain(sender: DeviceId, meter: MeterId, payload: Uint8Array, replay: PhasewireError): Promise<IngestOutcome> {
    let opened: OpenedValue;
    try {
      opened = await this.#options.receiver.reopenValue(sender, payload);
    } catch (error) {
      if (unreadable(error)) {
        this.#acknowledgeUnreadable(sender, meter, payload, error);
        return this.refuse(sender, replay);
      }
      // Bytes that carry an old counter but do not authenticate: a forgery, counted as one.
      return this.refuse(sender, error);
    }
    const header = { keyId: opened.header.keyId, counter: opened.header.counter };
    const decision = readingsDecision(meter, opened.header.messageType, opened.value);
    // Refused whole at the first delivery, and so again: the receipt with the refusal again.
    let split: TimeSplit = { kept: [], refused: [], refusedReadings: 0 };
    let entry: AckEntry = decision.kind === 'refused'
      ? { ...header, refused: { code: decision.error.code, readings: decision.readings } } : header;
    if (decision.kind === 'readings') {
      // Readings at impossible times were refused, not stored, at the first delivery: look up the
      // rest, and name the refusal in the ack again (the device releases the message either way).
      split = splitByTime(decision.snapshots, this.#options.clock.now(), this.#readingTimes);
      if (split.refusedReadings > 0) {
        entry = { ...header, refused:
          { code: readingTimeRefusal(meter, split, this.#options.clock.now(), this.#readingTimes).code, readings: split.refusedReadings } };
      }
    }
    let missing: number;
    try {
      missing = await readingsMissing(this.#options.store, meter, split.kept);
    } catch (error) {
      this.#log({ level: 'error', msg: `Cannot look up the readings of a redelivered message from ${sender}: ${(error as Error).message}`,
        device: sender });
      return this.refuse(sender, replay);
    }
    // Readings not in the store, of a message not being committed now, never will be: its counter is
    // below the window, which only moves up. They were refused at a time the head-end's clock has
    // since passed (ahead of the clock then, within the window now), or their message's group failed
    // after a later counter was committed. Unacknowledged, the device sent it for ever; the ack says
    // they are refused (`n`), as a replay.
    if (missing > 0 && this.#inFlight.has(`${counterScope(sender, 'uplink', header.keyId)} ${header.counter}`)) {
      return this.refuse(sender, replay);
    }
    if (missing > 0) entry = { ...header, refused: { code: replay.code, readings: missing + split.refusedReadings } };
    void this.#sendAck(sender, meter, [entry]);
    return this.refuse(sender, replay);
  }

  /**
   * An authentic envelope whose body is not CBOR: refused for good, before the replay window moved
   * (envelope-receiver.ts), so nothing is committed; its ack names the refusal, again at every copy.
   */
  #acknowledgeUnreadable(sender: DeviceId, meter: MeterId, payload: Uint8Array, error: PhasewireError): IngestOutcome {
    const { keyId, counter } = decodeEnvelope(payload, payload.length).header;
    void this.#sendAck(sender, meter, [{ keyId, counter, refused: { code: error.code, readings: 0 } }]);
    return { ...this.refuse(sender, error), acknowledged: true };
  }

  #accept(sender: DeviceId, meter: MeterId, opened: OpenedValue): Promise<IngestOutcome> {
    const { keyId, counter } = opened.header;
    let decision;
    try {
      decision = readingsDecision(meter, opened.header.messageType, opened.value);
    } catch (error) {
      // Not a refusal the decision knows: counted as a store failure, not acknowledged, tried again.
      return Promise.resolve(this.refuse(sender, error));
    }
    if (decision.kind === 'refused') {
      // Authentic, and refused for good: committed like a message of no readings (its counter goes
      // into the window) and acknowledged with the refusal, so that the device drops it from its
      // queue, where it would otherwise wait for ever in front of everything sealed after it.
      const { error, readings } = decision;
      return new Promise((resolve) => {
        this.#queue.push({ sender, meter, scope: counterScope(sender, 'uplink', keyId),
          entry: { keyId, counter, refused: { code: error.code, readings } }, snapshots: [], refusal: error, resolve });
        this.#running ??= this.#drain();
      });
    }
    this.#inFlight.add(`${counterScope(sender, 'uplink', keyId)} ${counter}`);
    const split = splitByTime(decision.snapshots, this.#options.clock.now(), this.#readingTimes);
    // Readings at impossible times are counted and never stored; the rest of the message is, and its
    // counter is acknowledged with the refusal (a copy sent again would be refused the same way).
    const refused = split.refusedReadings === 0 ? undefined : this.#refuseTimes(sender, meter, split);
    const snapshots = split.kept;
    return new Promise((resolve) => {
      this.#queue.push({ sender, meter, scope: counterScope(sender, 'uplink', keyId),
        entry: { keyId, counter, ...(refused === undefined ? {} : { refused }) }, snapshots, resolve });
      this.#running ??= this.#drain();
    });
  }

  async #drain(): Promise<void> {
    // One turn of the event loop lets the messages of a socket read join the first group.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#queue.length > 0) {
      const group = this.#queue.splice(0, this.#maxGroup);
      await this.#commit(group);
    }
    this.#running = undefined;
  }

  async #commit(group: readonly Pending[]): Promise<void> {
    try {
      await this.#commitGroup(group);
    } finally {
      for (const item of group) this.#inFlight.delete(`${item.scope} ${item.entry.counter}`);
    }
  }

  async #commitGroup(group: readonly Pending[]): Promise<void> {
    const snapshots: Snapshot[] = [];
    for (const item of group) for (const snapshot of item.snapshots) snapshots.push(snapshot);
    const began = performance.now();
    try {
      await this.#options.store.appendSnapshots(snapshots);
    } catch (error) {
      this.#options.window.revert(group.map((item) => item.scope));
      for (const item of group) item.resolve(this.refuse(item.sender, error, 'store-failed'));
      return;
    }
    let claimed: Set<string>;
    try {
      claimed = await this.#window.committedGroup(group.map((item) => ({ scope: item.scope, counter: item.entry.counter })));
    } catch (error) {
      for (const item of group) item.resolve(this.refuse(item.sender, error, 'store-failed'));
      return;
    }
    const replayed = new Set(group.filter((item) => claimed.has(`${item.scope} ${item.entry.counter}`)));
    let readings = 0;
    for (const item of group) {
      if (replayed.has(item)) {
        // Another worker claimed this counter first: it is that worker's message; its readings are
        // stored (by both, once), so the device gets its receipt again, as for a redelivery.
        item.resolve(this.refuse(item.sender, new SecurityError('PW_ERR_REPLAY', `Cannot accept payload envelope for ${item.scope}: `
          + `counter ${item.entry.counter} was claimed by another ingest worker`)));
        continue;
      }
      if (item.refusal !== undefined) {
        item.resolve({ ...this.refuse(item.sender, item.refusal), acknowledged: true });
        continue;
      }
      let n = 0;
      for (const snapshot of item.snapshots) n += snapshot.values.size;
      readings += n;
      item.resolve(item.entry.refused === undefined ? { kind: 'stored', readings: n }
        : { kind: 'stored', readings: n, refused: item.entry.refused.readings });
    }
    this.#stored += readings;
    this.#messages += group.length - replayed.size;
    const seconds = (performance.now() - began) / 1000;
    for (const listener of this.#onCommitTimed) listener(seconds, group.length, readings);
    const byDevice = new Map<string, { sender: DeviceId; meter: MeterId; entries: AckEntry[] }>();
    for (const item of group) {
      const key = `${item.sender} ${item.meter}`;
      let acks = byDevice.get(key);
      if (acks === undefined) { acks = { sender: item.sender, meter: item.meter, entries: [] }; byDevice.set(key, acks); }
      acks.entries.push(item.entry);
    }
    for (const acks of byDevice.values()) void this.#sendAck(acks.sender, acks.meter, acks.entries);
    // The acks go out first: listeners (the live feed) never hold up the devices' receipts.
    const fresh = replayed.size === 0 ? snapshots : group.filter((item) => !replayed.has(item)).flatMap((item) => item.snapshots);
    for (const listener of this.#onCommitted) {
      try {
        listener(fresh);
      } catch (error) {
        this.#log({ level: 'error', msg: `A listener of committed readings failed: ${(error as Error).message}` });
      }
    }
  }

  /** Seals the receipt for the sender (its key) and publishes it on the topic's meter's ack channel. */
  async #sendAck(sender: DeviceId, meter: MeterId, entries: readonly AckEntry[]): Promise<void> {
    try {
      for (const body of toWireAcks(entries)) {
        const sealed = await this.#options.acks.sealValue(sender, 'ack', body);
        await this.#options.publish(deviceTopic(meter, 'ack'), sealed);
      }
    } catch (error) {
      this.#log({ level: 'error', msg: `Cannot send the ack of ${entries.length} messages to ${sender}: ${(error as Error).message}`,
        device: sender });
    }
  }

  /** Resolves when every queued message has been committed or refused, and their window written. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
    await this.#window.flush();
  }
}
