// The agent's command handler on its reading source: on-demand reads from the source's latest
// reading, clock-sync on the agent's clock, the relay if the source has one; anything the source
// cannot do is answered "unsupported by this meter".
//
// A command that runs is journalled first (`command-running.json`: its id and operation, written
// before it runs and removed once its answer is queued). An agent that stops in between (a crash, a
// power cut) finds it at the next start and answers it as interrupted, with the state the meter is
// in now: the head-end never waits for an answer that cannot come, nor takes it for one that never ran.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, toWireBatch } from '@phasewire/core';
import type { MeterId } from '@phasewire/core';
import type { CommandResponse } from '@phasewire/core/protocol';
import { CommandHandler } from '../command-handler.ts';
import type { CommandTarget, HandledCommand } from '../command-handler.ts';
import { sourceSupports } from '../reading-source.ts';
import type { ReadingSource } from '../reading-source.ts';
import type { ProtectedSource } from '../protected-source.ts';
import type { AgentEvent } from './agent-types.ts';
import { readJson, writeJson } from './state-files.ts';

/** The journal of the command being run (see the head of this file). */
const runningFile = 'command-running.json';

export interface AgentCommandsOptions {
  readonly meter: MeterId;
  /** Where commands.json and relay.json are kept. */
  readonly dataDir: string;
  readonly source: ReadingSource;
  /** Command ids executed before, from the data directory. */
  readonly executed: readonly string[];
  /** The agent's clock (with its corrections). */
  readonly now: () => number;
  /** The time of an on-demand reading (never before the last reading). */
  readonly readingTime: () => number;
  /** Adds a correction to the agent's clock. */
  readonly correctClock: (correctionMs: number) => void;
  /** How long ago, on the agent's clock, it published an uplink envelope (undefined: no record of it). */
  readonly elapsedSince: (keyId: number, counter: bigint) => number | undefined;
  /** The longest a clock-sync may have been on its way (CommandHandlerOptions). */
  readonly clockSyncMaxAgeMs?: number;
  /** Takes a firmware-update in hand (agent-firmware.ts); absent: the command is unsupported. */
  readonly firmwareUpdate?: CommandTarget['firmwareUpdate'];
}

export interface AgentCommandOutcome {
  readonly event: AgentEvent;
  readonly executed: boolean;
}

/** Seals an answer and puts it in the agent's durable queue; resolves once it is on disk. */
export type QueueAnswer = (response: CommandResponse) => Promise<void>;

/** Handles opened command bodies: each runs at most once, and what it changed is on disk before it is answered. */
export class AgentCommands {
  readonly #handler: CommandHandler;
  readonly #options: AgentCommandsOptions;

  constructor(options: AgentCommandsOptions) {
    this.#options = options;
    this.#handler = commandHandler(options);
  }

  /** Handles an opened command body: runs it at most once, and queues its answer (a refusal's too). */
  async handle(body: unknown, queueAnswer: QueueAnswer): Promise<AgentCommandOutcome> {
    const checked = this.#handler.check(body);
    let handled: HandledCommand;
    if ('refused' in checked) {
      handled = checked.refused;
    } else {
      await writeJson(this.#running, { id: checked.command.id, op: checked.command.op });
      handled = this.#handler.run(checked.command);
      await this.#persist();
    }
    const { command, response } = handled;
    if (command === undefined || response === undefined) {
      const { code = 'PW_ERR_COMMAND_INVALID', message = 'a command body that is not a phasewire command' } = handled.invalid ?? {};
      const event: AgentEvent = { kind: 'refused', code, message };
      return { event, executed: false };
    }
    await queueAnswer(response);
    if (handled.executed) await rm(this.#running, { force: true });
    return { event: eventOf(command.op, response, handled.repeated), executed: handled.executed };
  }

  /**
   * At start: answers the command that was running when the agent last stopped, if one was, as
   * interrupted (it does not run again). Returns its event, or undefined when there was none.
   */
  async recover(queueAnswer: QueueAnswer): Promise<AgentEvent | undefined> {
    const running = await readJson<unknown>(this.#running, undefined);
    if (running === undefined) return undefined;
    const { id, op } = typeof running === 'object' && running !== null ? running as Record<string, unknown> : {};
    if (typeof id !== 'string' || typeof op !== 'string') {
      throw new ConfigError('PW_ERR_AGENT_STATE',
        `Cannot use the agent state file ${this.#running}: expected the id and operation of a command (restore it or remove it knowingly)`);
    }
    const relay = this.#options.source.relay?.state;
    const response: CommandResponse = {
      v: 1, id, ok: false, code: 'PW_ERR_COMMAND_INTERRUPTED',
      reason: `Command ${id} (${op}) was interrupted: the agent stopped while running it, and it will not run again; `
        + (relay === undefined ? 'check the meter' : `the load relay is ${relay} now`),
      ...(relay === undefined ? {} : { relay }),
    };
    this.#handler.remember(id, { op, response });
    await this.#persist();
    await queueAnswer(response);
    await rm(this.#running, { force: true });
    return eventOf(op, response);
  }

  get #running(): string {
    return join(this.#options.dataDir, runningFile);
  }

  /** What a run changed, on disk: the ids run (at most once) and the relay. */
  async #persist(): Promise<void> {
    const { dataDir, source } = this.#options;
    await writeJson(join(dataDir, 'commands.json'), this.#handler.executedIds());
    if (source.relay !== undefined) await writeJson(join(dataDir, 'relay.json'), source.relay.state);
    await persistProtection(dataDir, source);
  }
}

/** Protection's settings, armed state and relay (protection.json), for a source that has protection. */
export async function persistProtection(dataDir: string, source: ReadingSource): Promise<void> {
  if ('state' in source && 'meter' in source) await writeJson(join(dataDir, 'protection.json'), (source as ProtectedSource).state());
}

function eventOf(op: string, response: CommandResponse, repeated?: true): AgentEvent {
  return { kind: 'command', id: response.id, op, ok: response.ok, ...(response.code === undefined ? {} : { code: response.code }),
    ...(repeated === undefined ? {} : { repeated }) };
}

function commandHandler(options: AgentCommandsOptions): CommandHandler {
  const { meter, source } = options;
  return new CommandHandler({
    clock: { now: options.now },
    executed: options.executed,
    ...(options.clockSyncMaxAgeMs === undefined ? {} : { clockSyncMaxAgeMs: options.clockSyncMaxAgeMs }),
    target: {
      readOnDemand: () => {
        const snapshot = source.latest?.(options.readingTime());
        return snapshot === undefined ? undefined : toWireBatch({ meter, snapshots: [snapshot] });
      },
      syncClock: (headEnd) => {
        // Whole milliseconds, whatever comes: the readings are stamped with this clock.
        const correction = Math.round(headEnd - options.now());
        options.correctClock(correction);
        return correction;
      },
      setRelay: (state) => { source.relay?.set(state); },
      ...(source.protection === undefined ? {} : { protection: source.protection }),
      elapsedSince: options.elapsedSince,
      supports: (op) => (op === 'firmware-update' ? options.firmwareUpdate !== undefined : sourceSupports(source, op)),
      ...(options.firmwareUpdate === undefined ? {} : { firmwareUpdate: options.firmwareUpdate }),
    },
  });
}
