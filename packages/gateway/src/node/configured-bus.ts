// The bus a gateway configuration names, opened: a serial or Modbus/TCP line (meters given as `auto`
// identified by a scan), or simulated meters on a simulated RS-485 bus in real time, each served
// through its model's profile and measuring up to the bus's simulated time.
import type { Clock } from '@phasewire/core';
import { ConfigError } from '@phasewire/core';
import { createSimulatedMeter } from '@phasewire/meter';
import { createProfileSlave, type DeviceProfile, type ModbusClient, type Timers } from '@phasewire/modbus';
import { nodeTimers } from '@phasewire/modbus/node';
import type { PolledDevice } from '../bus-scheduler.ts';
import type { GatewayConfig, GatewayMeterConfig } from '../gateway-config.ts';
import { scanBus } from '../scan.ts';
import { openBus } from './open-bus.ts';
import { RealTimeBus } from './real-time-bus.ts';

/** The bus of a configuration: a client, its timers, and the clock that stamps the snapshots. */
export interface ConfiguredBus {
  readonly client: ModbusClient;
  readonly timers: Timers;
  readonly clock: Clock;
  readonly devices: readonly PolledDevice[];
  readonly maxInFlight: number;
  /** Starts simulated time (a real bus runs already). */
  start(): void;
  close(): Promise<void>;
}

export async function openConfiguredBus(
  config: GatewayConfig, profiles: readonly DeviceProfile[], say: (text: string) => void,
): Promise<ConfiguredBus> {
  const byModel = new Map(profiles.map((p) => [p.model, p]));
  const named = (model: string, field: string): DeviceProfile => byModel.get(model)
    ?? (() => {
      throw new ConfigError('PW_ERR_GATEWAY_FILE', `Cannot use ${field} ${JSON.stringify(model)}: no such profile, `
        + `expected auto or one of ${[...byModel.keys()].join(', ')}`);
    })();
  const polled = (m: GatewayMeterConfig, profile: DeviceProfile): PolledDevice => ({
    meter: m.meter, unit: m.unit, profile, periodMs: m.periodMs, ...(m.timeoutMs === undefined ? {} : { timeoutMs: m.timeoutMs }),
  });
  if (config.transport.kind === 'simulated') {
    const epoch = Date.now();
    const bus = new RealTimeBus(config.transport.bus);
    const now = (): number => epoch + bus.now();
    const devices = config.meters.map((m, i) => polled(m, named(m.profile, `meters[${i}].profile (a simulated meter needs its model)`)));
    for (const [i, m] of config.meters.entries()) {
      const simulated = createSimulatedMeter({
        meter: m.meter, scenario: m.simulate?.scenario ?? 'balanced-resistive', mode: 'phasor',
        seed: m.simulate?.seed ?? m.unit, start: epoch,
      });
      const profile = devices[i]?.profile ?? named(m.profile, 'profile');
      bus.attach({
        unit: m.unit, handler: createProfileSlave({ profile, values: () => simulated.advanceTo(now()) }),
        ...(m.simulate === undefined ? {} : { bitErrorRate: m.simulate.bitErrorRate }),
        ...(m.simulate?.deadBetween === undefined ? {} : { deadBetween: m.simulate.deadBetween }),
      });
    }
    return {
      client: bus.master, timers: bus.scheduler, clock: { now }, devices, maxInFlight: 1,
      start: () => { bus.start(); }, close: () => bus.close(),
    };
  }
  const client = await openBus(config.transport.endpoint, config.transport.timeoutMs);
  const devices: PolledDevice[] = [];
  try {
    for (const [i, m] of config.meters.entries()) {
      let profile: DeviceProfile;
      if (m.profile === 'auto') {
        const found = (await scanBus(client, profiles, { units: [m.unit], timeoutMs: m.timeoutMs ?? 500 }))[0];
        const model = found?.model;
        if (model === undefined) {
          throw new ConfigError('PW_ERR_GATEWAY_IDENTIFY', `Cannot identify meter ${m.meter} at unit ${m.unit}: `
            + `${found === undefined ? 'it did not answer' : `it answered, but ${found.evidence}`}; `
            + `expected one of ${[...byModel.keys()].join(', ')} (or set meters[${i}].profile); nothing is polled or uploaded`);
        }
        profile = named(model, `meters[${i}].profile`);
        say(`meter ${m.meter} at unit ${m.unit}: identified as ${model}: ${found?.evidence ?? ''}\n`);
      } else {
        profile = named(m.profile, `meters[${i}].profile`);
      }
      devices.push(polled(m, profile));
    }
  } catch (error) {
    await client.close();
    throw error;
  }
  // The client and the scheduler take the same depth: the blocks of a poll go out together only
  // when the configuration says the Modbus/TCP server serves concurrent transactions.
  const endpoint = config.transport.endpoint;
  const maxInFlight = endpoint.kind === 'tcp' ? endpoint.maxInFlight ?? 1 : 1;
  return {
    client, timers: nodeTimers, clock: { now: () => Date.now() }, devices, maxInFlight,
    start: () => undefined, close: () => client.close(),
  };
}
