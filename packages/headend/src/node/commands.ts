// Commands from the head-end: send() seals a `command` downlink, publishes it on
// pw/v1/<device>/cmd/req, records it (command-log.ts) and resolves with what is known when the
// device's sealed `command-response` comes, or when the wait ends: then the command is `pending`,
// and its answer is recorded whenever it comes (../command-record.ts). The device executes a
// command id at most once and not after its expiry (the meter agent's part); the envelope makes it
// authentic and fresh. Every authentic answer is acknowledged with a sealed `ack` of its counter,
// as readings are: the device keeps an answer in its queue until then, across a cellular window that
// closes, a lost link or a restart, and a copy sent twice is recorded once.
//
// Expiry and the clock-sync time are in the devices' time base: the head-end's clock, unless the
// devices run on another (a demo's simulated meters, `deviceTime`). The device judges freshness
// on its own clock, so an expiry stamped on a clock it does not run on would refuse every command
// (or accept stale ones); the wait for the answer stays in real time. A device whose registry entry
// says it sleeps between windows (cellular) gets a command that lives at least its wake allowance.
import { randomBytes } from 'node:crypto';
import { DecodeError, deviceTopic, PhasewireError } from '@phasewire/core';
import type { Clock, MeterId, Snapshot } from '@phasewire/core';
import { counterScope, decodeEnvelope } from '@phasewire/secure';
import type { DeviceId, EnvelopeReceiver, EnvelopeSender, OpenedValue } from '@phasewire/secure';
import { decodeCommandResponse, encodeCommand } from '@phasewire/core/protocol';
import type { Command } from '@phasewire/core/protocol';
import { toWireAcks } from '../ack-message.ts';
import { answerOf } from '../command-message.ts';
import type { CommandKind, CommandParams, CommandResponse } from '../command-message.ts';
import { answered, commandLifetime, judgedByReading } from '../command-record.ts';
import type { CommandRecord } from '../command-record.ts';
import type { DeviceRegistry, RegistryLinkProfile } from '../registry.ts';
import type { CommandLog } from './command-log.ts';
import { unreadable } from '../ingest-decision.ts';
import type { Ingest } from './ingest.ts';
import type { HeadEndCounters } from './head-end-counters.ts';

export interface CommandsOptions {
  readonly sender: EnvelopeSender;
  readonly receiver: EnvelopeReceiver;
  readonly window: HeadEndCounters;
  readonly publish: (topic: string, payload: Uint8Array) => Promise<void>;
  readonly ingest: Ingest;
  readonly clock: Clock;
  readonly log: CommandLog;
  /** Where a device's link is found (a sleeping link lengthens its commands' lives). */
  readonly registry: Pick<DeviceRegistry, 'get'>;
  /** The devices' clock when it is not `clock` (default: `clock` at rate 1). */
  readonly deviceTime?: DeviceTime;
  /** How long a device on each sleeping link may take to wake, on its clock (default: command-record.ts). */
  readonly wakeAllowanceMs?: Readonly<Partial<Record<RegistryLinkProfile, number>>>;
  /** The device's last uplink envelope the head-end accepted, and when (a clock-sync's anchor), if any. */
  readonly lastUplink?: (device: string) => Anchor | undefined;
}

/** An uplink envelope of the device, and when the head-end accepted it (the devices' time base). */
export interface Anchor {
  readonly keyId: number;
  readonly counter: bigint;
  readonly acceptedAt: number;
}

/** How many times a clock-sync the device found stale is sent again, anchored on that refusal. */
const clockSyncRetries = 2;

/** The fields of a command that carry its params. */
const carried = (params: CommandParams): Pick<Command, 'settings' | 'confirm' | 'loadLimit' | 'firmware'> => ({
  ...(params.settings === undefined ? {} : { settings: params.settings }), ...(params.confirm === true ? { confirm: true } : {}),
  ...(params.loadLimit === undefined ? {} : { loadLimit: params.loadLimit }),
  ...(params.firmware === undefined ? {} : { firmware: params.firmware }),
});

/** The time base the devices run on. */
export interface DeviceTime {
  readonly clock: Clock;
  /** Device milliseconds per real millisecond (a simulation's speed; 1 for real devices). */
  readonly rate: number;
}

interface Waiting {
  readonly resolve: (record: CommandRecord) => void;
  readonly timer: NodeJS.Timeout;
}

export class Commands {
  readonly #options: CommandsOptions;
  /** Commands without an answer or a verdict yet, by id. */
  readonly #pending = new Map<string, CommandRecord>();
  readonly #waiting = new Map<string, Waiting>();
  /**
   * Devices that said `online` since this head-end started: the broker holds a session for them (the
   * agent's is persistent), where a command waits while the device sleeps.
   */
  readonly #seen = new Set<string>();
  /** Commands sent to a device not seen yet, by device: sent again when it comes online. */
  readonly #resend = new Map<string, Set<string>>();
  /** What each pending command carries beside its kind, by id: a copy sent again carries it too. */
  readonly #params = new Map<string, CommandParams>();
  /** Clock-syncs sent again after the device found them stale, by id: how many times. */
  readonly #anchored = new Map<string, number>();

  constructor(options: CommandsOptions) {
    this.#options = options;
    for (const record of options.log.pending()) this.#pending.set(record.id, record);
  }

  /**
   * Sends a command to `device` (meter or gateway id) and resolves with its record once the device
   * has answered, or after `waitMs` of real time (default 30 s) with the command still pending.
   */
  /** `params`: what the command carries beside its kind (protection settings, a confirm), recorded with it. */
  async send(device: DeviceId, kind: CommandKind, waitMs = 30_000, params: CommandParams = {}): Promise<CommandRecord> {
    const { clock, log, sender, registry } = this.#options;
    const base = this.#options.deviceTime ?? { clock, rate: 1 };
    const sentAt = clock.now();
    const now = base.clock.now();
    const lifetime = commandLifetime(registry.get(device)?.linkProfile ?? null, waitMs * base.rate, this.#options.wakeAllowanceMs);
    const command: Command = {
      id: randomBytes(12).toString('base64url'), op: kind, expiresAt: now + lifetime,
      ...(kind === 'clock-sync' ? this.#clockOf(device, now) : {}),
      ...carried(params),
    };
    const sealed = await sender.sealValue(device, 'command', encodeCommand(command));
    const record: CommandRecord = { id: command.id, device, kind, sentAt, expiresAt: command.expiresAt, status: 'pending' };
    log.add(record, Object.keys(params).length === 0 ? undefined : { ...params });
    this.#pending.set(record.id, record);
    if (Object.keys(params).length > 0) this.#params.set(record.id, params);
    const outcome = new Promise<CommandRecord>((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(command.id);
        resolve(this.#pending.get(command.id) ?? log.get(command.id) ?? record);
      }, waitMs);
      this.#waiting.set(command.id, { resolve, timer });
    });
    try {
      await this.#options.publish(deviceTopic(device as MeterId, 'cmd/req'), sealed);
      // The broker keeps it for a device with a session (a sleeping cellular meter), and drops it for
      // one without (not connected since the broker started): sent again when the device comes online.
      if (!this.#seen.has(device)) this.#resend.set(device, (this.#resend.get(device) ?? new Set()).add(record.id));
    } catch (error) {
      // Not handed to the broker: it cannot run, and the record says so.
      const reason = `Cannot send command ${kind} (${command.id}) to ${device}: ${(error as Error).message}`;
      this.#settle({ ...record, status: 'failed', settledAt: clock.now(), code: 'PW_ERR_HEADEND_COMMAND', reason });
    }
    return outcome;
  }

  /**
   * A device said `online` (its status channel). The commands sent to it before it was first seen,
   * and still pending, go again in a new envelope with the same id (a clock-sync with the time now):
   * the device runs an id at most once, and answers a copy it already ran with the first copy's
   * answer again (PW_ERR_COMMAND_REPLAYED after its restart); the first answer is the one recorded.
   */
  deviceOnline(device: string): void {
    this.#seen.add(device);
    const ids = this.#resend.get(device);
    if (ids === undefined) return;
    this.#resend.delete(device);
    for (const id of ids) {
      const record = this.#pending.get(id);
      if (record !== undefined) void this.#sendAgain(record);
    }
  }

  /**
   * A clock-sync's time (the devices' time base) and its anchor: the device's last uplink envelope
   * the head-end had when it stamped it (`anchor` when given, the latest accepted otherwise), and
   * how long after that envelope came.
   */
  #clockOf(device: string, now: number, anchor?: Anchor): Pick<Command, 'time' | 'after'> {
    const last = anchor ?? this.#options.lastUplink?.(device);
    if (last === undefined) return { time: now };
    return { time: now, after: { keyId: last.keyId, counter: last.counter, heldMs: Math.max(0, Math.round(now - last.acceptedAt)) } };
  }

  #deviceNow(): number {
    return (this.#options.deviceTime?.clock ?? this.#options.clock).now();
  }

  async #sendAgain(record: CommandRecord, anchor?: Anchor): Promise<void> {
    const base = this.#options.deviceTime ?? { clock: this.#options.clock, rate: 1 };
    const now = base.clock.now();
    if (now >= record.expiresAt) return;
    const command: Command = {
      id: record.id, op: record.kind, expiresAt: record.expiresAt,
      ...(record.kind === 'clock-sync' ? this.#clockOf(record.device, now, anchor) : {}),
      ...carried(this.#params.get(record.id) ?? {}),
    };
    try {
      const sealed = await this.#options.sender.sealValue(record.device as DeviceId, 'command', encodeCommand(command));
      await this.#options.publish(deviceTopic(record.device as MeterId, 'cmd/req'), sealed);
    } catch {
      // As the first copy: the record stays pending until an answer or a verdict.
    }
  }

  /** What is known of command `id` sent to `device`. */
  get(device: string, id: string): CommandRecord | undefined {
    const record = this.#pending.get(id) ?? this.#options.log.get(id);
    return record?.device === device ? record : undefined;
  }

  /**
   * A message on `device`'s cmd/res topic from `sender` (authorised for the topic): the answer is
   * recorded and acknowledged. A copy of an answer taken before (its ack was lost, or the device
   * restarted before it came) is refused by the replay window; when it authenticates it is handled
   * the same way, without moving the window, and is no refusal. An authentic message that is no
   * answer (another type of envelope, a body that does not decode) is refused for good and
   * acknowledged with the refusal, so that the device drops it from its queue; one that does not
   * authenticate is never acknowledged, and neither is an answer the command log could not record
   * (the device sends it again).
   */
  async handleResponse(sender: DeviceId, payload: Uint8Array, device: string = sender): Promise<void> {
    let opened: OpenedValue;
    try {
      opened = await this.#options.receiver.openValue(sender, payload);
      await this.#options.window.persist([{ scope: counterScope(sender, 'uplink', opened.header.keyId), counter: opened.header.counter }]);
    } catch (error) {
      const again = error instanceof PhasewireError && error.code === 'PW_ERR_REPLAY' ? await this.#reopen(sender, payload) : undefined;
      const refusal = unreadable(error) ? error : unreadable(again) ? again : undefined;
      if (refusal !== undefined) {
        // Authentic, its body not CBOR: refused for good, and acknowledged with the refusal.
        this.#refuse(sender, error);
        const { keyId, counter } = decodeEnvelope(payload, payload.length).header;
        await this.#acknowledge(sender, device, { keyId, counter }, refusal.code);
        return;
      }
      if (again === undefined || again instanceof PhasewireError) {
        this.#refuse(sender, error);
        return;
      }
      opened = again;
    }
    let response: CommandResponse;
    try {
      if (opened.header.messageType !== 'command-response') {
        throw new DecodeError('PW_ERR_HEADEND_MESSAGE', `Cannot take an answer from ${sender} on ${device}'s cmd/res: `
          + `the envelope holds a ${opened.header.messageType} message; expected a command-response`);
      }
      response = answerOf(decodeCommandResponse(opened.value));
    } catch (error) {
      // Sent again, it would be refused again.
      this.#refuse(sender, error);
      if (error instanceof PhasewireError) await this.#acknowledge(sender, device, opened.header, error.code);
      return;
    }
    try {
      // A clock-sync sent again goes out before the ack: the device, still waiting for that ack, is awake for it.
      const anchor = { keyId: opened.header.keyId, counter: opened.header.counter, acceptedAt: this.#deviceNow() };
      await this.#answer(device, response, anchor);
    } catch (error) {
      // Not recorded (the command log failed): no receipt, the device sends the answer again.
      this.#refuse(sender, error);
      return;
    }
    await this.#acknowledge(sender, device, opened.header);
  }

  /**
   * Readings the store committed: a pending command whose device has sent a reading taken at or
   * after its expiry, without answering it, did not run and will not (command-record.ts).
   */
  observe(snapshots: readonly Snapshot[]): void {
    if (this.#pending.size === 0) return;
    const latest = new Map<string, number>();
    for (const { meter, at } of snapshots) latest.set(meter, Math.max(latest.get(meter) ?? Number.NEGATIVE_INFINITY, at));
    for (const record of this.#pending.values()) {
      const readingAt = latest.get(record.device);
      if (readingAt === undefined) continue;
      const judged = judgedByReading(record, readingAt, this.#options.clock.now());
      if (judged !== record) this.#settle(judged);
    }
  }

  /** `anchor`: the answer's own envelope, which the head-end has now (a stale clock-sync is sent again after it). */
  async #answer(device: string, response: CommandResponse, anchor: Anchor): Promise<void> {
    const record = this.#pending.get(response.id) ?? this.#options.log.get(response.id);
    // Another device's command, one unknown here (sent before the log began), or answered already.
    if (record?.device !== device || (record.status !== 'pending' && record.status !== 'timeout')) return;
    const retries = this.#anchored.get(record.id) ?? 0;
    const stale = record.kind === 'clock-sync' && response.code === 'PW_ERR_COMMAND_STALE';
    if (record.status === 'pending' && stale && retries < clockSyncRetries) {
      // The device could not bound how long the time was on its way (it waited while the device slept,
      // or came after a restart). Its refusal is a message it has just sent: anchored on it, the time
      // comes back within one round trip.
      this.#anchored.set(record.id, retries + 1);
      await this.#sendAgain(record, anchor);
      return;
    }
    this.#settle(answered(record, response, this.#options.clock.now()));
  }

  #settle(record: CommandRecord): void {
    this.#options.log.settle(record);
    this.#pending.delete(record.id);
    this.#params.delete(record.id);
    this.#anchored.delete(record.id);
    this.#resend.get(record.device)?.delete(record.id);
    const waiting = this.#waiting.get(record.id);
    if (waiting === undefined) return;
    clearTimeout(waiting.timer);
    this.#waiting.delete(record.id);
    waiting.resolve(record);
  }

  /**
   * A replayed message that authenticates (an answer, or one refused for good again), its refusal when
   * its body is not CBOR, or undefined (a forgery).
   */
  async #reopen(sender: DeviceId, payload: Uint8Array): Promise<OpenedValue | PhasewireError | undefined> {
    try {
      return await this.#options.receiver.reopenValue(sender, payload);
    } catch (error) {
      return unreadable(error) ? error : undefined;
    }
  }

  /**
   * Acknowledges an uplink envelope that is not an answer (an event on up/events), as answers are;
   * with `refusal` (its code) when it is authentic but refused for good, so the device drops it.
   */
  async acknowledge(sender: DeviceId, device: string, opened: OpenedValue, refusal?: string): Promise<void> {
    await this.#options.window.persist([{ scope: counterScope(sender, 'uplink', opened.header.keyId), counter: opened.header.counter }]);
    return this.#acknowledge(sender, device, opened.header, refusal);
  }

  /** The sealed ack of the message, with `refusal` (its code) when it was refused for good. */
  async #acknowledge(sender: DeviceId, device: string, envelope: { keyId: number; counter: bigint }, refusal?: string): Promise<void> {
    const { keyId, counter } = envelope;
    const entry = refusal === undefined ? { keyId, counter } : { keyId, counter, refused: { code: refusal, readings: 0 } };
    try {
      for (const body of toWireAcks([entry])) {
        const sealed = await this.#options.sender.sealValue(sender, 'ack', body);
        await this.#options.publish(deviceTopic(device as MeterId, 'ack'), sealed);
      }
    } catch {
      // The device sends the answer again after its ack timeout, and gets the ack then.
    }
  }

  #refuse(sender: DeviceId, error: unknown): void {
    this.#options.ingest.refuse(sender, error instanceof PhasewireError ? error : new Error(String(error)));
  }

  /** Ends every wait with what is known (the pending ones stay pending in the log). */
  close(): void {
    for (const [id, waiting] of this.#waiting) {
      clearTimeout(waiting.timer);
      const record = this.#pending.get(id) ?? this.#options.log.get(id);
      if (record !== undefined) waiting.resolve(record);
    }
    this.#waiting.clear();
  }
}
