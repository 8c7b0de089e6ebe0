// Commands from the head-end, after the envelope has authenticated them and its replay window has
// refused a replayed envelope: each command id is executed at most once (the ids are remembered,
// bounded, and the owner persists them) and only before its expiry on the meter's clock
// (SECURITY.md, Commands: fresh, counter + expiry, executed at most once). A second copy of a command
// that ran (the head-end sends a command again when the meter comes online, and behind a broker that
// held the first copy both arrive) is answered with the answer it had, again, not run again: the
// answers of the latest commands run are kept in memory. A copy after a restart, whose answer is no
// longer held, is refused (PW_ERR_COMMAND_REPLAYED), and so is another command under a used id: a
// copy keeps the operation and expiry of the first (only a clock-sync's time and anchor are new).
import { DecodeError, SecurityError, ValidationError } from '@phasewire/core';
import type { Clock, PhasewireError, WireBatch } from '@phasewire/core';
import { decodeCommand } from '@phasewire/core/protocol';
import type { Command, CommandOp, CommandResponse, FirmwareUpdateArgs } from '@phasewire/core/protocol';
import type { RelayOutcome, RelayState } from '@phasewire/meter';

/**
 * Local protection and the reconnect policy of a meter that has them (reading-source.ts): settings
 * by version, arm and disarm, and a relay that a reconnect arms and a confirm closes.
 */
export interface ProtectionTarget {
  /** Checks and installs settings (refusing a version not above the one running); answers the version running after. */
  setSettings(settings: unknown): { readonly version: number } | { readonly code: string; readonly reason: string };
  setArmed(armed: boolean): number;
  /** Checks and installs a load limit (refusing a version not above the one running); answers the version running after. */
  setLoadLimit(limit: unknown): { readonly version: number } | { readonly code: string; readonly reason: string };
  disconnect(): RelayOutcome;
  reconnect(confirm: boolean): RelayOutcome;
}

/** What the commands act on: the agent supplies them. */
export interface CommandTarget {
  /** Takes a reading now and returns it in wire form; undefined when the meter has none to give. */
  readOnDemand(): WireBatch | undefined;
  /** Sets the meter clock from the head-end's time; returns the correction applied, ms. */
  syncClock(headEndTime: number): number;
  setRelay(state: RelayState): void;
  /** Local protection; absent: the protection commands are unsupported, and a reconnect closes at once. */
  readonly protection?: ProtectionTarget;
  /**
   * How long ago, on the meter's clock, it sent uplink envelope (`keyId`, `counter`) on its current
   * connection; undefined when it has no such record (sent on an earlier one, before a restart, never).
   */
  elapsedSince?(keyId: number, counter: bigint): number | undefined;
  /**
   * Whether this meter can carry out `op` at all (a Modbus meter behind a gateway has no relay the
   * agent can switch); absent: every operation. An unsupported command is answered, not dropped.
   */
  supports?(op: CommandOp): boolean;
  /**
   * Takes a firmware-update in hand (it runs after the answer, and reports its progress as events):
   * undefined when taken, or why not. Absent: firmware-update is unsupported.
   */
  firmwareUpdate?(args: FirmwareUpdateArgs): { readonly code: string; readonly reason: string } | undefined;
}

export interface CommandHandlerOptions {
  readonly clock: Clock;
  readonly target: CommandTarget;
  /** Ids executed before (from the owner's store), oldest first. */
  readonly executed?: readonly string[];
  /** How many ids to remember; default 1024. Commands expire long before that many arrive. */
  readonly rememberIds?: number;
  /** How many answers of commands run to keep, to answer a second copy with (memory only); default 64. */
  readonly rememberAnswers?: number;
  /**
   * The longest a clock-sync may have been on its way, on the meter's clock; default 30 s. Half of it
   * bounds the error of the time set; a clock-sync that may be older is refused (PW_ERR_COMMAND_STALE).
   */
  readonly clockSyncMaxAgeMs?: number;
}

export interface HandledCommand {
  readonly command: Command | undefined;
  readonly response: CommandResponse | undefined;
  /** Whether the remembered ids changed (the owner persists `executedIds()` then). */
  readonly executed: boolean;
  /** Why the body is not a command (then there is no command and no response). */
  readonly invalid?: DecodeError;
  /** A copy of a command that ran before: `response` is the answer it had then, sent again. */
  readonly repeated?: true;
}

export class CommandHandler {
  readonly #clock: Clock;
  readonly #target: CommandTarget;
  readonly #max: number;
  readonly #executed: Set<string>;
  /** The answers of the latest commands run, with what a copy of each must repeat (op, expiry when known). */
  readonly #answers = new Map<string, { readonly op: string; readonly expiresAt?: number; readonly answer: CommandResponse }>();
  readonly #maxAnswers: number;
  readonly #clockSyncMaxAgeMs: number;

  constructor(options: CommandHandlerOptions) {
    this.#clock = options.clock;
    this.#target = options.target;
    this.#max = options.rememberIds ?? 1024;
    this.#maxAnswers = options.rememberAnswers ?? 64;
    this.#clockSyncMaxAgeMs = options.clockSyncMaxAgeMs ?? 30_000;
    this.#executed = new Set(options.executed ?? []);
  }

  executedIds(): string[] {
    return [...this.#executed];
  }

  /**
   * Handles one opened command body. A body that is not a command yields no response (there is no
   * id to answer); a refused command yields a response with `ok: false` and the code.
   */
  handle(body: unknown): HandledCommand {
    const checked = this.check(body);
    return 'refused' in checked ? checked.refused : this.run(checked.command);
  }

  /**
   * The first half of handle(): decodes and checks the body. Either what to answer without running
   * anything (`refused`), or a command that may run now: the owner records that it is about to run,
   * then calls run() (a crash in between must not leave it unanswered).
   */
  check(body: unknown): { readonly refused: HandledCommand } | { readonly command: Command } {
    let command: Command;
    try {
      command = decodeCommand(body);
    } catch (error) {
      if (error instanceof DecodeError) return { refused: { command: undefined, response: undefined, executed: false, invalid: error } };
      throw error;
    }
    const refuse = (error: PhasewireError): { refused: HandledCommand } => ({
      refused: { command, executed: false, response: { v: 1, id: command.id, ok: false, code: error.code, reason: error.message } },
    });
    if (this.#executed.has(command.id)) {
      const kept = this.#answers.get(command.id);
      // Only a copy of that command: another under its id (another op) must not pass for answered with its answer.
      if (kept !== undefined && kept.op === command.op && (kept.expiresAt ?? command.expiresAt) === command.expiresAt) {
        return { refused: { command, response: kept.answer, executed: false, repeated: true } };
      }
      return refuse(new SecurityError('PW_ERR_COMMAND_REPLAYED',
        `Cannot execute command ${command.id} (${command.op}): it was executed before; a command runs at most once`));
    }
    const now = this.#clock.now();
    if (now >= command.expiresAt) {
      return refuse(new SecurityError('PW_ERR_COMMAND_EXPIRED', `Cannot execute command ${command.id} (${command.op}): it expired `
        + `at ${new Date(command.expiresAt).toISOString()}, the meter clock reads ${new Date(now).toISOString()}`));
    }
    if (this.#target.supports?.(command.op) === false) {
      return refuse(new ValidationError('PW_ERR_COMMAND_UNSUPPORTED',
        `Cannot execute command ${command.id} (${command.op}): unsupported by this meter, which offers `
        + `no ${unsupportedWhat(command.op)}`));
    }
    if (command.op === 'clock-sync') {
      const transit = this.#transit(command);
      if (typeof transit === 'string') {
        return refuse(new SecurityError('PW_ERR_COMMAND_STALE', `Cannot execute command ${command.id} (clock-sync): ${transit}`));
      }
    }
    return { command };
  }

  /**
   * The longest a clock-sync can have been on its way, on the meter's clock: the time since the
   * meter sent the uplink envelope the head-end had last when it stamped its time, less the time the
   * head-end says it held it after that envelope came (both ways of one round trip, `d + u`; the
   * command's own way `d` is its half when they are alike). Or why that cannot be told, or is too long.
   */
  #transit(command: Command): number | string {
    const { after } = command;
    if (after === undefined) return 'it names no uplink envelope of the meter (k, c) to bound its time in transit; expected one';
    const elapsed = this.#target.elapsedSince?.(after.keyId, after.counter);
    const envelope = `envelope ${after.counter} (key ${after.keyId})`;
    if (elapsed === undefined) {
      return `the meter has no record of sending ${envelope}, the head-end's last from it, on this connection (it came in an earlier `
        + 'window or before a restart), so its time may have waited at the broker for any time; '
        + 'expected one sent after a message of this connection';
    }
    const roundTrip = Math.max(0, elapsed - (after.heldMs ?? 0));
    if (roundTrip > this.#clockSyncMaxAgeMs) {
      const max = this.#clockSyncMaxAgeMs;
      return `its time may be ${roundTrip} ms old (the meter sent ${envelope} ${elapsed} ms ago, the head-end stamped it `
        + `${after.heldMs ?? 0} ms after it came), more than the ${max} ms it accepts`;
    }
    return roundTrip;
  }

  /** Runs a command check() let through, and answers it. */
  run(command: Command): HandledCommand {
    const now = this.#clock.now();
    // Remembered before it runs: a crash half-way must not let it run twice.
    this.remember(command.id);
    let response: CommandResponse;
    switch (command.op) {
      case 'read': {
        const batch = this.#target.readOnDemand();
        response = batch === undefined
          ? { v: 1, id: command.id, ok: false, code: 'PW_ERR_COMMAND_UNSUPPORTED',
            reason: `Cannot execute command ${command.id} (read): the meter has given no reading yet` }
          : { v: 1, id: command.id, ok: true, batch };
        break;
      }
      case 'clock-sync': {
        // The head-end's time was stamped somewhere within `transit`: the middle is the best estimate
        // (off by at most half of it), where taking it as it came set the clock back by the whole delay.
        const transit = this.#transit(command);
        // Whole milliseconds: every time on the wire is (a reading at a fraction of one is refused).
        const half = typeof transit === 'number' ? Math.round(transit / 2) : 0;
        response = { v: 1, id: command.id, ok: true, clockOffsetMs: this.#target.syncClock((command.time ?? now) + half) };
        break;
      }
      case 'disconnect':
      case 'reconnect': {
        const protection = this.#target.protection;
        if (protection === undefined) {
          const relay = command.op === 'disconnect' ? 'open' : 'closed';
          this.#target.setRelay(relay);
          response = { v: 1, id: command.id, ok: true, relay };
          break;
        }
        const outcome = command.op === 'disconnect' ? protection.disconnect() : protection.reconnect(command.confirm === true);
        response = {
          v: 1, id: command.id, ok: outcome.ok, relay: outcome.relay, armed: outcome.armed,
          ...(outcome.code === undefined ? {} : { code: outcome.code }),
          ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
        };
        break;
      }
      case 'protection-settings': {
        const installed = this.#target.protection?.setSettings(command.settings);
        response = installed === undefined || 'code' in installed
          ? { v: 1, id: command.id, ok: false, code: installed?.code ?? 'PW_ERR_COMMAND_UNSUPPORTED', reason: installed?.reason ?? '' }
          : { v: 1, id: command.id, ok: true, settingsVersion: installed.version };
        break;
      }
      case 'protection-arm':
      case 'protection-disarm': {
        const version = this.#target.protection?.setArmed(command.op === 'protection-arm') ?? 0;
        response = { v: 1, id: command.id, ok: true, ...(version >= 1 ? { settingsVersion: version } : {}) };
        break;
      }
      case 'load-limit': {
        const installed = this.#target.protection?.setLoadLimit(command.loadLimit);
        response = installed === undefined || 'code' in installed
          ? { v: 1, id: command.id, ok: false, code: installed?.code ?? 'PW_ERR_COMMAND_UNSUPPORTED', reason: installed?.reason ?? '' }
          : { v: 1, id: command.id, ok: true, loadLimitVersion: installed.version };
        break;
      }
      case 'firmware-update': {
        // The answer says the update was taken in hand; how it ends comes as firmware-progress events.
        const refusal = command.firmware === undefined || this.#target.firmwareUpdate === undefined
          ? { code: 'PW_ERR_COMMAND_UNSUPPORTED',
            reason: `Cannot execute command ${command.id} (firmware-update): this device has no updater` }
          : this.#target.firmwareUpdate(command.firmware);
        response = refusal === undefined ? { v: 1, id: command.id, ok: true } : { v: 1, id: command.id, ok: false, ...refusal };
        break;
      }
    }
    this.#answered(command.op, response, command.expiresAt);
    return { command, response, executed: true };
  }

  /**
   * Counts `id` as executed (a command that was running when the agent stopped, too), with its answer
   * (and its operation, which a copy must repeat) when there is one.
   */
  remember(id: string, answer?: { readonly op: string; readonly response: CommandResponse }): void {
    this.#executed.add(id);
    while (this.#executed.size > this.#max) {
      const oldest = this.#executed.values().next();
      if (oldest.done === true) break;
      this.#executed.delete(oldest.value);
    }
    if (answer !== undefined) this.#answered(answer.op, answer.response);
  }

  #answered(op: string, answer: CommandResponse, expiresAt?: number): void {
    this.#answers.set(answer.id, expiresAt === undefined ? { op, answer } : { op, expiresAt, answer });
    while (this.#answers.size > this.#maxAnswers) {
      const oldest = this.#answers.keys().next();
      if (oldest.done === true) break;
      this.#answers.delete(oldest.value);
    }
  }
}

function unsupportedWhat(op: CommandOp): string {
  switch (op) {
    case 'read': return 'on-demand reading';
    case 'clock-sync': return 'clock to set';
    case 'disconnect':
    case 'reconnect': return 'load relay';
    case 'load-limit': return 'load limiting';
    case 'firmware-update': return 'firmware updater';
    default: return 'local protection';
  }
}
