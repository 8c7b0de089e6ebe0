// The agent's command handler on its reading source: on-demand reads from the source's latest
// reading, clock-sync on the agent's clock, the relay if the source has one; anything the source
// cannot do is answered "unsupported by this meter".
import { join } from 'node:path';
import { toWireBatch } from '@phasewire/core';
import type { MeterId } from '@phasewire/core';
import type { CommandResponse } from '@phasewire/core/protocol';
import { CommandHandler } from '../command-handler.ts';
import { sourceSupports } from '../reading-source.ts';
import type { ReadingSource } from '../reading-source.ts';
import type { AgentEvent } from './agent-types.ts';
import { writeJson } from './state-files.ts';

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
}

export interface AgentCommandOutcome {
  readonly event: AgentEvent;
  /** The response to seal and send; undefined for a body that is not a command (no id to answer). */
  readonly response: CommandResponse | undefined;
  readonly executed: boolean;
}

/** Handles opened command bodies: each runs at most once, and what it changed is on disk before it is answered. */
export class AgentCommands {
  readonly #handler: CommandHandler;
  readonly #options: AgentCommandsOptions;

  constructor(options: AgentCommandsOptions) {
    this.#options = options;
    this.#handler = commandHandler(options);
  }

  async handle(body: unknown): Promise<AgentCommandOutcome> {
    const handled = this.#handler.handle(body);
    if (handled.command === undefined || handled.response === undefined) {
      const { code = 'PW_ERR_COMMAND_INVALID', message = 'a command body that is not a phasewire command' } = handled.invalid ?? {};
      return { event: { kind: 'refused', code, message }, response: undefined, executed: false };
    }
    if (handled.executed) {
      const { dataDir, source } = this.#options;
      await writeJson(join(dataDir, 'commands.json'), this.#handler.executedIds());
      if (source.relay !== undefined) await writeJson(join(dataDir, 'relay.json'), source.relay.state);
    }
    const { response } = handled;
    return {
      event: { kind: 'command', id: response.id, op: handled.command.op, ok: response.ok, ...(response.code === undefined ? {} : { code: response.code }) },
      response, executed: handled.executed,
    };
  }
}

function commandHandler(options: AgentCommandsOptions): CommandHandler {
  const { meter, source } = options;
  return new CommandHandler({
    clock: { now: options.now },
    executed: options.executed,
    target: {
      readOnDemand: () => {
        const snapshot = source.latest?.(options.readingTime());
        return snapshot === undefined ? undefined : toWireBatch({ meter, snapshots: [snapshot] });
      },
      syncClock: (headEnd) => {
        const correction = headEnd - options.now();
        options.correctClock(correction);
        return correction;
      },
      setRelay: (state) => { source.relay?.set(state); },
      supports: (op) => sourceSupports(source, op),
    },
  });
}
