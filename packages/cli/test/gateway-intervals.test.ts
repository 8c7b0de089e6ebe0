// Modbus meters behind the gateway give the MDM 15-minute interval data: the real path from a
// simulated RS-485 bus to the store. Four simulated meters (the sensing layer's, each served through
// its model's register map) on a bus at 9600 baud 8E1, one of them noisy, with periods of 7 s, 1 min
// and 5 min; the gateway's poller stamps each poll with its wall-clock slot (poll-slots.ts); one
// meter agent per meter (enrolled through EST, as `gateway run` composes them) stages, seals and
// uplinks every snapshot to `phasewire server` (embedded broker, SQLite store). The bus, the poller
// and the snapshots' times run in simulated time, 40 minutes of it from 08:07:13; the agents' uplink
// and the head-end run on the wall clock (the agent stamps nothing: a snapshot's time is the one the
// poller gave it). The store then holds a raw interval for every quarter hour the meter was polled
// across, equal to the difference of the energy registers the slave served, and every meter's
// voltages at each boundary (the fleet view the MDM's analytics read).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseMeterId, Q, SeededRandom, type MeterId } from '@phasewire/core';
import { GatewayPoller, type PolledDevice } from '@phasewire/gateway';
import { linkProfiles } from '@phasewire/agent';
import { createSimulatedMeter } from '@phasewire/meter';
import { AgentFleet } from '@phasewire/agent/node';
import {
  createProfileSlave, decodePoint, EventScheduler, FunctionCode, registersOf, SimulatedBus, SimulatedMaster, SimulatedSlave, defaultFraming,
  type ModbusRequestHandler, type ProfilePoint,
} from '@phasewire/modbus';
import { loadProfiles } from '@phasewire/modbus/node';
import { deviceIdentity } from '@phasewire/secure';
import { parseServerConfig } from '@phasewire/server';
import { startPhasewireServer, type PhasewireServer } from '@phasewire/server/node';

const quarterHour = 900_000;
/** Off the grid on purpose: the first poll (at start) is not on a slot and must not make an interval. */
const start = Date.UTC(2026, 0, 5, 8, 7, 13);
const simulatedMs = 40 * 60_000;
const firstBoundary = Date.UTC(2026, 0, 5, 8, 15);
/** 08:15, 08:30, 08:45: the interval ends the 40 minutes cross. */
const boundaries: readonly number[] = [firstBoundary, firstBoundary + quarterHour, firstBoundary + 2 * quarterHour];
const noisyUnit = 2;
/** unit → model and period: a period that does not divide 15 minutes (7 s) still polls at every boundary. */
const meters = [
  { unit: 1, model: 'sdm630', periodMs: 60_000 },
  { unit: noisyUnit, model: 'em24', periodMs: 60_000 },
  { unit: 3, model: 'iem3255', periodMs: 7_000 },
  { unit: 4, model: 'pac2200', periodMs: 300_000 },
] as const;
const meterOf = (unit: number): MeterId => parseMeterId(`gw-interval-${unit}`);
const voltages = [Q.voltageL1, Q.voltageL2, Q.voltageL3];

/** Wall-clock timeouts for the uplink, which runs in real time. */
async function until(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** An energy read the slave answered: simulated time and the register's value as served (Wh). */
interface Served { readonly at: number; readonly wh: number }

/**
 * The meter's register map, recording every answer that carries the energy import register, decoded
 * from the very words that went on the line.
 */
function recordingSlave(inner: ModbusRequestHandler, point: ProfilePoint, now: () => number, served: Served[]): ModbusRequestHandler {
  const words = registersOf(point.type);
  return async (request, unit) => {
    const answer = await inner(request, unit);
    if ((request.functionCode === FunctionCode.ReadHoldingRegisters || request.functionCode === FunctionCode.ReadInputRegisters)
      && request.functionCode === point.functionCode && 'values' in answer && answer.values instanceof Uint16Array
      && request.address <= point.address && point.address + words <= request.address + request.quantity) {
      const offset = point.address - request.address;
      served.push({ at: now(), wh: decodePoint(point, answer.values.subarray(offset, offset + words)) });
    }
    return answer;
  };
}

let dir: string;
let server: PhasewireServer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phasewire-gateway-intervals-'));
  server = await startPhasewireServer({
    config: parseServerConfig({ mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 } }), dataDir: join(dir, 'server'),
  });
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Modbus meters behind the gateway at the MDM', () => {
  it('give a raw 15-minute interval for every quarter hour they were polled across, equal to the served register difference, ' +
    'and voltages at every boundary', async () => {
    const profiles = new Map((await loadProfiles()).map((profile) => [profile.model, profile]));
    const scheduler = new EventScheduler();
    const wall = (): number => start + scheduler.now();
    const bus = new SimulatedBus({ scheduler, framing: defaultFraming(9600), random: new SeededRandom(5) });
    const served = new Map<MeterId, Served[]>();
    const energyPoints = new Map<MeterId, ProfilePoint>();
    const devices: PolledDevice[] = meters.map(({ unit, model, periodMs }) => {
      const meter = meterOf(unit);
      const profile = profiles.get(model);
      const point = profile?.points.find((p) => p.obis === Q.activeEnergyImport);
      assert.ok(profile !== undefined && point !== undefined && point.scaleRegister === undefined,
        `${model} reads its energy import register unscaled`);
      const simulated = createSimulatedMeter({ meter, scenario: 'balanced-resistive', mode: 'phasor', seed: unit, start });
      const record: Served[] = [];
      served.set(meter, record);
      energyPoints.set(meter, point);
      new SimulatedSlave(bus, {
        addresses: [unit], responseDelayMs: 10, ...(unit === noisyUnit ? { bitErrorRate: 1e-4 } : {}),
        handler: recordingSlave(createProfileSlave({ profile, values: () => simulated.advanceTo(wall()) }), point, wall, record),
      });
      return { meter, unit, profile, periodMs };
    });
    const poller = new GatewayPoller({ client: new SimulatedMaster(bus, { timeoutMs: 300 }), timers: scheduler, clock: { now: wall },
      devices });
    const fleet = await AgentFleet.start({
      sources: devices.map(({ meter }) => ({ meter, source: poller.source(meter) ?? { read: () => Promise.resolve(undefined) } })),
      seed: 1, clock: { now: () => Date.now() }, dataDir: join(dir, 'gateway'),
      estServer: server.endpoints.enrollment, keyServer: server.endpoints.keyProvisioning, trustedCa: await readFile(server.endpoints
        .caFile, 'utf8'),
      tokenFor: async (meter) => (await server.issueToken(deviceIdentity('meter', meter))).token,
      broker: { host: '127.0.0.1', port: server.endpoints.mqttPort, servername: 'localhost' },
      // Eight snapshots to a message (as a cellular meter batches): fewer seals and store transactions.
      profile: { ...linkProfiles.wifi, intervalsPerMessage: 8, reconnect: { initialMs: 20, maxMs: 200 } },
    });
    try {
      // Simulated time in steps; after each, every agent stages what its meter's polls gave, as the
      // CLI's feed does (each snapshot exactly once, in poll order).
      const polling = poller.start();
      const take = async (): Promise<void> => {
        await Promise.all(fleet.agents.map(async (agent) => { while (await agent.takeAvailableReading()); }));
      };
      for (let t = 0; t < simulatedMs; t += 30_000) {
        await scheduler.runFor(30_000);
        await take();
      }
      await scheduler.runUntilSettled(poller.stop());
      await polling;
      await take();
      await Promise.all(fleet.agents.map((agent) => agent.flush()));
      await until(() => fleet.pending === 0 && fleet.agents.every((agent) => agent.staged === 0),
        'every reading to be acknowledged by the head-end');

      const stats = poller.stats();
      assert.ok((stats.get(meterOf(noisyUnit))?.crcErrors ?? 0) > 0, 'the noisy meter\'s CRC errors are counted');
      for (const device of devices) assert.equal(stats.get(device.meter)?.quarantined, false, `${device.meter} stayed healthy`);

      const range = { from: firstBoundary - quarterHour, to: firstBoundary + 2 * quarterHour };
      for (const { meter } of devices) {
        const record = served.get(meter) ?? [];
        const point = energyPoints.get(meter);
        assert.ok(point !== undefined);
        const period = devices.find((d) => d.meter === meter)?.periodMs ?? 0;
        // The energy served for the poll of a boundary slot: the last answer within the slot's
        // tolerance (a CRC-failed answer is read again at once, a failed poll after a backoff).
        const servedAt = (boundary: number): number => {
          const answers = record.filter((s) => s.at >= boundary && s.at - boundary <= Math.min(period / 2, 15_000));
          const last = answers.at(-1);
          assert.ok(last !== undefined, `${meter}: the slave served its energy register for the ${new Date(boundary).toISOString()} slot`);
          return last.wh;
        };
        const intervals = await server.store.intervals(meter, Q.activeEnergyImport, range);
        assert.deepEqual(intervals.map((i) => i.end), [...boundaries], `${meter}: the three quarter hours from 08:00`);
        // 08:00–08:15: polled from 08:07:13 only, no read at its start, so no raw value (not a shifted one).
        assert.equal(intervals[0]?.raw, null, `${meter}: no interval from a poll off the grid`);
        for (const interval of intervals.slice(1)) {
          const want = servedAt(interval.end) - servedAt(interval.end - quarterHour);
          assert.ok(interval.raw !== null, `${meter}: a raw interval ending ${new Date(interval.end).toISOString()}`);
          // The uplink carries 0.1 Wh steps: each of the two reads is within half a step of what was served.
          assert.ok(Math.abs(interval.raw - want) <= 0.1 + 1e-9, `${meter} ${new Date(interval.end).toISOString()}: raw ${interval
            .raw} Wh, served difference ${want} Wh`);
          assert.ok(want > 0, `${meter}: the simulated load used energy (${want} Wh)`);
        }
      }
      for (const boundary of boundaries) {
        const fleetView = await server.store.readingsAt(boundary, voltages);
        assert.deepEqual([...fleetView.meters].sort(), devices.map((d) => d.meter).sort(), `every gateway meter at ${new Date(boundary)
          .toISOString()}`);
        for (const value of fleetView.values) assert.ok(value > 200 && value < 260, `voltage ${value} V at ${new Date(boundary)
          .toISOString()}`);
      }
    } finally {
      await fleet.stop();
    }
  });
});
