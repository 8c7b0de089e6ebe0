// Many meter agents in one process: the meters of createPhasorFleet (the demo and load tests), or
// given reading sources (the meters behind a gateway), each with its own data directory,
// enrollment, queue and MQTT session. Each agent is exactly the one `phasewire meter run` starts;
// only the process is shared.
import { join } from 'node:path';
import { SeededRandom } from '@phasewire/core';
import type { Clock, MeterId } from '@phasewire/core';
import type { ReadingSource } from '../reading-source.ts';
import type { LinkProfile } from '../link-profile.ts';
import { createPhasorFleet } from '@phasewire/meter';
import { ensureEnrolled, loadAgentIdentity } from './enrollment.ts';
import { MeterAgent } from './meter-agent.ts';
import type { AgentEvent } from './meter-agent.ts';
import type { AgentDescription } from './agent-types.ts';

/** A meter of the fleet read from a source of its own (not simulated). */
export interface FleetSource {
  readonly meter: MeterId;
  readonly source: ReadingSource;
  /** The meter's model and link, said in its status messages. */
  readonly describe?: AgentDescription;
}

/** Simulated phasor meters, or the given sources. */
export type FleetMeters =
  | { readonly meters: number; /** Epoch ms at which the meters start (registers at zero). */ readonly start: number;
    readonly sources?: never }
  | { readonly sources: readonly FleetSource[]; readonly meters?: never; readonly start?: never };

export type FleetOptions = FleetMeters & {
  readonly seed: number;
  readonly clock: Clock;
  /** One sub-directory per meter (its id) holds its enrollment and queue. */
  readonly dataDir: string;
  readonly estServer: string;
  readonly keyServer?: string;
  readonly trustedCa: string;
  /** The one-time enrollment token of a meter (asked only for meters not enrolled yet). */
  readonly tokenFor: (meter: MeterId) => Promise<string>;
  readonly broker: { readonly host: string; readonly port: number; readonly servername?: string };
  readonly profile: LinkProfile;
  /** Agents enrolled and connected at once while the fleet starts; default 16. */
  readonly concurrency?: number;
  readonly onEvent?: (meter: MeterId, event: AgentEvent) => void;
};

export class AgentFleet {
  readonly agents: readonly MeterAgent[];

  private constructor(agents: MeterAgent[]) {
    this.agents = agents;
  }

  static async start(options: FleetOptions): Promise<AgentFleet> {
    const members = options.sources === undefined
      ? createPhasorFleet(options.meters, options.seed, options.start).meters.map((simulated) => ({ meter: simulated.meter, simulated }))
      : options.sources.map((entry) => ({
        meter: entry.meter, source: entry.source, ...(entry.describe === undefined ? {} : { describe: entry.describe }),
      }));
    const agents: MeterAgent[] = new Array<MeterAgent>(members.length);
    let next = 0;
    // A start that fails fails whole: the agents already started are stopped, and no worker starts
    // another (an agent left running would hold its meter's MQTT client id and keep the process up).
    let failed = false;
    const hasFailed = (): boolean => failed;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < members.length && !hasFailed(); i = next++) {
        const member = members[i];
        if (member === undefined) continue;
        const { meter } = member;
        const dataDir = join(options.dataDir, meter);
        // Only meters not enrolled yet need a token.
        const identity = await loadAgentIdentity(dataDir, meter) ?? (await ensureEnrolled({
          dataDir, meter, estServer: options.estServer, trustedCa: options.trustedCa,
          ...(options.keyServer === undefined ? {} : { keyServer: options.keyServer }),
          // Asked only when no certificate is kept from an earlier, unfinished enrollment.
          token: () => options.tokenFor(meter),
        })).identity;
        const common = {
          identity, dataDir, broker: options.broker, profile: options.profile,
          clock: options.clock, random: new SeededRandom(options.seed + i + 1),
          ...(options.onEvent === undefined ? {} : { onEvent: (event: AgentEvent) => { options.onEvent?.(meter, event); } }),
          ...('describe' in member ? { describe: member.describe } : {}),
        };
        const agent =
          await MeterAgent.open('simulated' in member ? { ...common, meter: member.simulated } : { ...common, source: member.source });
        if (hasFailed()) {
          await agent.stop();
          return;
        }
        agent.start();
        agents[i] = agent;
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 16) }, worker));
    } catch (error) {
      // Not waiting for the other workers: one may hang on an enrollment that never answers. Each
      // stops what it opens from now on.
      failed = true;
      // Object.values skips the slots of meters not started.
      await Promise.all(Object.values(agents).map((agent) => agent.stop()));
      throw error;
    }
    return new AgentFleet(agents);
  }

  /** The agent of one meter. */
  agentFor(meter: MeterId): MeterAgent | undefined {
    return this.agents.find((agent) => agent.meterId === meter);
  }

  /** Every agent takes its reading at the meter clock's time. */
  async takeReadings(): Promise<void> {
    await Promise.all(this.agents.map((agent) => agent.takeReading()));
  }

  /** Messages waiting for acks, over the fleet. */
  get pending(): number {
    return this.agents.reduce((sum, agent) => sum + agent.pending, 0);
  }

  get connected(): number {
    return this.agents.filter((agent) => agent.connected).length;
  }

  async stop(): Promise<void> {
    await Promise.all(this.agents.map((agent) => agent.stop()));
  }
}
