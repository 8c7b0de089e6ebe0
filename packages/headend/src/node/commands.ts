// Commands from the head-end: sendCommand seals a `command` downlink, publishes it on
// pw/v1/<device>/cmd/req and resolves with the device's sealed `command-response`, or rejects when
// the command expires unanswered. The device executes a command id at most once and not after its
// expiry (the meter agent's part); the envelope makes it authentic and fresh.
//
// Expiry and the clock-sync time are in the devices' time base: the head-end's clock, unless the
// devices run on another (a demo's simulated meters, `deviceTime`). The device judges freshness
// on its own clock, so an expiry stamped on a clock it does not run on would refuse every command
// (or accept stale ones); the wait for the answer stays in real time.
import { randomBytes } from 'node:crypto';
import { deviceTopic, PhasewireError, TransportError } from '@phasewire/core';
import type { Clock, MeterId } from '@phasewire/core';
import { counterScope } from '@phasewire/secure';
import type { DeviceId, EnvelopeReceiver, EnvelopeSender } from '@phasewire/secure';
import { decodeCommandResponse, encodeCommand } from '@phasewire/core/protocol';
import type { Command } from '@phasewire/core/protocol';
import { answerOf } from '../command-message.ts';
import type { CommandKind, CommandResponse } from '../command-message.ts';
import { readAnswer } from '../read-answer.ts';
import type { Ingest } from './ingest.ts';
import type { SqliteCounters } from './sqlite-counters.ts';

export interface CommandsOptions {
  readonly sender: EnvelopeSender;
  readonly receiver: EnvelopeReceiver;
  readonly window: SqliteCounters;
  readonly publish: (topic: string, payload: Uint8Array) => Promise<void>;
  readonly ingest: Ingest;
  readonly clock: Clock;
  /** The devices' clock when it is not `clock` (default: `clock` at rate 1). */
  readonly deviceTime?: DeviceTime;
}

/** The time base the devices run on. */
export interface DeviceTime {
  readonly clock: Clock;
  /** Device milliseconds per real millisecond (a simulation's speed; 1 for real devices). */
  readonly rate: number;
}

interface Waiting {
  readonly device: string;
  readonly kind: CommandKind;
  readonly resolve: (response: CommandResponse) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class Commands {
  readonly #options: CommandsOptions;
  readonly #waiting = new Map<string, Waiting>();

  constructor(options: CommandsOptions) {
    this.#options = options;
  }

  /** Sends a command to `device` (meter or gateway id) and waits for its response until it expires (default 30 s). */
  async send(device: DeviceId, kind: CommandKind, ttlMs = 30_000): Promise<CommandResponse> {
    const base = this.#options.deviceTime ?? { clock: this.#options.clock, rate: 1 };
    const now = base.clock.now();
    const command: Command = {
      id: randomBytes(12).toString('base64url'), op: kind, expiresAt: now + ttlMs * base.rate, ...(kind === 'clock-sync' ? { time: now } : {}),
    };
    const sealed = await this.#options.sender.sealValue(device, 'command', encodeCommand(command));
    const answer = new Promise<CommandResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(command.id);
        reject(new TransportError('PW_ERR_HEADEND_COMMAND', `Command ${kind} (${command.id}) to ${device} expired after ${ttlMs} ms without a response`));
      }, ttlMs);
      this.#waiting.set(command.id, { device, kind, resolve, reject, timer });
    });
    try {
      await this.#options.publish(deviceTopic(device as MeterId, 'cmd/req'), sealed);
    } catch (error) {
      const waiting = this.#waiting.get(command.id);
      if (waiting !== undefined) { clearTimeout(waiting.timer); this.#waiting.delete(command.id); }
      throw error;
    }
    return answer;
  }

  /** A message on a cmd/res topic from `sender` (authorised for the topic). */
  async handleResponse(sender: DeviceId, payload: Uint8Array): Promise<void> {
    try {
      const opened = await this.#options.receiver.openValue(sender, payload);
      this.#options.window.persist([{ scope: counterScope(sender, 'uplink', opened.header.keyId), counter: opened.header.counter }]);
      if (opened.header.messageType !== 'command-response') {
        throw new TransportError('PW_ERR_HEADEND_COMMAND', `Cannot take a ${opened.header.messageType} envelope from ${sender} as a command response`);
      }
      const response = answerOf(decodeCommandResponse(opened.value));
      const waiting = this.#waiting.get(response.id);
      if (waiting?.device !== sender) return;
      clearTimeout(waiting.timer);
      this.#waiting.delete(response.id);
      if (response.ok && waiting.kind === 'read') this.#answerRead(sender, response, waiting);
      else if (response.ok) waiting.resolve(response);
      else waiting.reject(new TransportError('PW_ERR_HEADEND_COMMAND', `Device ${sender} refused command ${response.id}: ${response.reason ?? response.code ?? 'no reason given'}`));
    } catch (error) {
      this.#options.ingest.refuse(sender, error instanceof PhasewireError ? error : new Error(String(error)));
    }
  }

  /** A read answers quantities by OBIS code in base units (read-answer.ts), never the raw wire batch. */
  #answerRead(sender: DeviceId, response: CommandResponse, waiting: Waiting): void {
    try {
      waiting.resolve({ id: response.id, ok: true, result: { ...readAnswer(sender, response.result) } });
    } catch (error) {
      const why = (error as Error).message;
      waiting.reject(new TransportError('PW_ERR_HEADEND_COMMAND', `Device ${sender} answered read command ${response.id} without a reading that can be used: ${why}`, { cause: error }));
    }
  }

  close(): void {
    for (const [id, waiting] of this.#waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(new TransportError('PW_ERR_HEADEND_COMMAND', `Command ${id} to ${waiting.device} was abandoned: the head-end is closing`));
    }
    this.#waiting.clear();
  }
}
