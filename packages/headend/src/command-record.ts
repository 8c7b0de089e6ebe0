// What the head-end knows of a command it sent, and the rules that change it. A command is
// `pending` from the moment it is sent until one of two things is known:
//
//   the device's answer    → `done` (ok) or `failed` (refused: expired on the device's clock,
//                            replayed, unsupported, or an answer that cannot be used)
//   proof it never ran     → `timeout`: it expired on the device's clock, and the device has since
//                            sent readings taken at or after that expiry without answering it
//
// The device answers every command it receives (refusals too), seals the answer in the order of its
// uplink queue and keeps it until the head-end's ack (docs/meter-agent.md). An answer of a command
// it ran before the expiry is therefore queued ahead of every reading taken after the expiry, and
// reaches the head-end first: readings after the expiry with no answer before them mean that the
// command never reached the device, and never will run (the device refuses it from then on). Until
// then the head-end does not guess: a cellular meter asleep for an hour shows `pending`, never a
// false `timeout`. An answer that comes after a verdict (a device clock set back between its
// readings and the command) replaces it.
import { DecodeError } from '@phasewire/core';
import type { RegistryLinkProfile } from './registry.ts';
import type { CommandKind, CommandResponse } from './command-message.ts';
import { readAnswer } from './read-answer.ts';

export type CommandStatus = 'pending' | 'done' | 'failed' | 'timeout';

export interface CommandRecord {
  readonly id: string;
  /** The device it was sent to (the topic's device). */
  readonly device: string;
  readonly kind: CommandKind;
  /** When the head-end sent it, ms (head-end clock). */
  readonly sentAt: number;
  /** After this the device refuses it, ms (the devices' time base, as the command carries it). */
  readonly expiresAt: number;
  readonly status: CommandStatus;
  /** When the answer or the verdict was recorded, ms (head-end clock). */
  readonly settledAt?: number;
  /** The device's refusal code, or the head-end's. */
  readonly code?: string;
  readonly reason?: string;
  /** The answer (a read's quantities by OBIS code, the relay state, the clock offset). */
  readonly result?: Readonly<Record<string, unknown>>;
}

/**
 * How long a device on a link that sleeps between windows may take to wake, on its own clock: a
 * cellular meter of the standard profile wakes every 4 intervals (an hour at 15-minute intervals);
 * one more hour covers a slow or missed window. A command to it lives this long, so that it reaches
 * the meter while still valid.
 */
export const wakeAllowanceMs: Readonly<Partial<Record<RegistryLinkProfile, number>>> = { cellular: 2 * 3_600_000 };

/**
 * A command's lifetime on the device's clock: `waitMs` (the head-end's wait for the answer, scaled
 * to the devices' time base) for an always-connected device, and at least the wake allowance of a
 * device whose registry entry says it sleeps between windows.
 */
export function commandLifetime(link: RegistryLinkProfile | null, waitOnDeviceClockMs: number,
  allowances: Readonly<Partial<Record<RegistryLinkProfile, number>>> = wakeAllowanceMs): number {
  return Math.max(waitOnDeviceClockMs, link === null ? 0 : allowances[link] ?? 0);
}

/** The record once the device's answer is in; a `read` answer is decoded here (read-answer.ts). */
export function answered(record: CommandRecord, response: CommandResponse, at: number): CommandRecord {
  const { status: _status, settledAt: _settled, code: _code, reason: _reason, result: _result, ...sent } = record;
  if (!response.ok) {
    const reason = `Device ${record.device} refused command ${record.id}: ${response.reason ?? response.code ?? 'no reason given'}`;
    return { ...sent, status: 'failed', settledAt: at, ...(response.code === undefined ? {} : { code: response.code }), reason };
  }
  if (record.kind !== 'read') return { ...sent, status: 'done', settledAt: at, result: { ...response.result } };
  try {
    return { ...sent, status: 'done', settledAt: at, result: { ...readAnswer(record.device, response.result) } };
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    const reason = `Device ${record.device} answered read command ${record.id} without a reading that can be used: ${error.message}`;
    return { ...sent, status: 'failed', settledAt: at, code: 'PW_ERR_HEADEND_COMMAND', reason };
  }
}

/**
 * The verdict on a pending command once the device has sent a reading taken at `readingAt` (its
 * clock): `timeout` when that is at or after the expiry, the record unchanged otherwise.
 */
export function judgedByReading(record: CommandRecord, readingAt: number, at: number): CommandRecord {
  if (record.status !== 'pending' || readingAt < record.expiresAt) return record;
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    ...record, status: 'timeout', settledAt: at, code: 'PW_ERR_HEADEND_COMMAND',
    reason: `Command ${record.kind} (${record.id}) to ${record.device} was not answered: it expired `
      + `at ${iso(record.expiresAt)} on the device's `
      + `clock, and the device has since sent a reading of ${iso(readingAt)} without answering it, so it did not run and will not`,
  };
}
