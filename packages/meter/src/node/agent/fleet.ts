// Many meter agents in one process (the demo and load tests): the meters of createPhasorFleet, each
// with its own data directory, enrollment, queue and MQTT session, all read at the same meter-clock
// instants. Each agent is exactly the one `phasewire meter run` starts; only the process is shared.
import { join } from 'node:path';
import { SeededRandom } from '@phasewire/core';
import type { Clock, MeterId } from '@phasewire/core';
import type { LinkProfile } from '../../link-profile.ts';
import { createPhasorFleet } from '../../phasor-fleet.ts';
import { ensureEnrolled, loadAgentIdentity } from './enrollment.ts';
import { MeterAgent } from './meter-agent.ts';
import type { AgentEvent } from './meter-agent.ts';

export interface FleetOptions {
  readonly meters: number;
  readonly seed: number;
  /** Epoch ms at which the meters start (registers at zero). */
  readonly start: number;
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
}

export class AgentFleet {
  readonly agents: readonly MeterAgent[];

  private constructor(agents: MeterAgent[]) {
    this.agents = agents;
  }

  static async start(options: FleetOptions): Promise<AgentFleet> {
    const fleet = createPhasorFleet(options.meters, options.seed, options.start);
    const agents: MeterAgent[] = new Array<MeterAgent>(fleet.meters.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < fleet.meters.length; i = next++) {
        const simulated = fleet.meters[i];
        if (simulated === undefined) continue;
        const dataDir = join(options.dataDir, simulated.meter);
        // Only meters not enrolled yet need a token.
        const identity = await loadAgentIdentity(dataDir, simulated.meter) ?? (await ensureEnrolled({
          dataDir, meter: simulated.meter, estServer: options.estServer, trustedCa: options.trustedCa,
          ...(options.keyServer === undefined ? {} : { keyServer: options.keyServer }),
          token: await options.tokenFor(simulated.meter),
        })).identity;
        const agent = await MeterAgent.open({
          identity, dataDir, broker: options.broker, profile: options.profile, meter: simulated,
          clock: options.clock, random: new SeededRandom(options.seed + i + 1),
          ...(options.onEvent === undefined ? {} : { onEvent: (event: AgentEvent) => { options.onEvent?.(simulated.meter, event); } }),
        });
        agent.start();
        agents[i] = agent;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 16) }, worker));
    return new AgentFleet(agents);
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
