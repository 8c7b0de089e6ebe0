import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom, parseMeterId, type MeterId, type ObisCode, type Snapshot } from '@phasewire/core';
import {
  EventScheduler, SimulatedBus, SimulatedMaster, SimulatedSlave, createProfileSlave, defaultFraming, factorOf, type DeviceProfile,
} from '@phasewire/modbus';
import { loadProfiles } from '@phasewire/modbus/node';
import { BusScheduler } from './bus-scheduler.ts';
import { scanBus } from './scan.ts';

const profiles = await loadProfiles();

/** Plausible values for every point of a profile, distinct per unit. */
function valuesFor(profile: DeviceProfile, unit: number): Map<ObisCode, number> {
  const values = new Map<ObisCode, number>();
  for (const point of profile.points) {
    const unitOf = point.quantity.unit;
    const base = unitOf === 'V' ? 230 : unitOf === 'A' ? 10 : unitOf === 'Hz' ? 50 : unitOf === '1' ? 0.9 : unitOf === 'Wh' || unitOf ===
      'varh' ? 1e6 : 2000;
    values.set(point.obis, base + (unitOf === '1' ? unit / 1000 : unit));
  }
  return values;
}

function setup(interference: { bitErrorRate?: number } = {}) {
  const scheduler = new EventScheduler();
  const bus = new SimulatedBus({ scheduler, framing: defaultFraming(9600), random: new SeededRandom(11), interference });
  const master = new SimulatedMaster(bus, { timeoutMs: 300 });
  return { scheduler, bus, master };
}

describe('bus scheduler on a simulated RS-485 bus at 9600 baud', () => {
  it('keeps every healthy meter\'s period with one dead and the line noisy, quarantines the dead one and takes it back, and never turns ' +
    'CRC errors into values', async () => {
    const { scheduler, bus, master } = setup({ bitErrorRate: 2e-5 });
    const periodMs = 10_000;
    const expected = new Map<MeterId, Map<ObisCode, number>>();
    const slaves: SimulatedSlave[] = [];
    const devices = profiles.map((profile, i) => {
      const unit = i + 1;
      const meter = parseMeterId(`meter-${profile.model}`);
      const values = valuesFor(profile, unit);
      expected.set(meter, values);
      slaves.push(new SimulatedSlave(bus, { addresses: [unit], handler: createProfileSlave({ profile, values }), responseDelayMs: 10 }));
      return { meter, unit, profile, periodMs };
    });
    const dead = devices[2]!;
    slaves[2]!.failBetween(60_000, 240_000);
    const polls = new Map<MeterId, number[]>();
    const quarantine: string[] = [];
    const gateway = new BusScheduler({
      client: master, timers: scheduler, devices,
      onSnapshot: (snapshot: Snapshot) => {
        const wanted = expected.get(snapshot.meter)!;
        const profile = devices.find((d) => d.meter === snapshot.meter)!.profile;
        for (const point of profile.points) {
          const got = snapshot.values.get(point.obis)!;
          const want = wanted.get(point.obis)!;
          const tolerance = point.type.startsWith('float') ? Math.abs(want) * 1e-6 : Math.abs(factorOf(point));
          assert.ok(Math.abs(got - want) <= tolerance, `${snapshot.meter} ${point.quantity.key}: ${got} vs ${want}`);
        }
        polls.set(snapshot.meter, [...(polls.get(snapshot.meter) ?? []), snapshot.at]);
      },
      onQuarantine: (meter, on) => quarantine.push(`${on ? 'out' : 'in'}:${meter}@${Math.round(scheduler.now() / 1000)}`),
    });
    const running = gateway.start();
    await scheduler.runUntil(600_000);
    await Promise.all([gateway.stop(), scheduler.runFor(2000)]);
    await running;

    for (const device of devices) {
      const times = polls.get(device.meter) ?? [];
      if (device === dead) continue;
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      assert.ok(times.length >= 58, `${device.meter} polled ${times.length} times`);
      // Polls are not pre-empted: a meter falling due waits at most for the one exchange sequence in progress (under 2 s here).
      assert.ok(Math.max(...gaps) <= periodMs + 2000, `${device.meter}: longest interval ${Math.max(...gaps)} ms`);
      // After the first poll at start, every snapshot is stamped with its wall-clock slot (poll-slots.ts),
      // and every 15-minute boundary is one: the MDM's interval data needs readings exactly there.
      assert.deepEqual(times.slice(1).filter((t) => t % periodMs !== 0), [], `${device.meter}: snapshots off their slots`);
    }
    const deadPolls = polls.get(dead.meter) ?? [];
    assert.ok(deadPolls.some((t) => t < 60_000) && deadPolls.some((t) => t > 240_000), 'the dead meter reports before and after');
    assert.ok(!deadPolls.some((t) => t > 61_000 && t < 240_000), 'and nothing while dead');
    assert.deepEqual(quarantine.map((q) => q.split('@')[0]), [`out:${dead.meter}`, `in:${dead.meter}`]);
    const stats = gateway.stats();
    const deadStats = stats.get(dead.meter)!;
    assert.ok(deadStats.timeouts >= 3 && deadStats.quarantines === 1 && deadStats.probes >= 10 && deadStats.probes <= 20, JSON.stringify(
      deadStats));
    const crc = [...stats.values()].reduce((sum, s) => sum + s.crcErrors, 0);
    assert.ok(crc > 0, 'the noise was seen as CRC errors');
    assert.ok(bus.stats.flippedBits > 0);
    for (const s of stats.values()) assert.ok(s.latency.p50 > 0 && s.latency.p99 >= s.latency.p50 && s.latency.max >= s.latency.p99);
  });

  it('finds the unit ids and models on the bus by each profile\'s probe', async () => {
    const { scheduler, bus, master } = setup();
    const units = [3, 17, 42, 99, 120, 200, 201, 247];
    profiles.forEach((profile, i) => new SimulatedSlave(bus, { addresses: [units[i]!], handler: createProfileSlave({ profile, values:
      valuesFor(profile, 1) }), responseDelayMs: 5 }));
    const found = await scheduler.runUntilSettled(scanBus(master, profiles, { timeoutMs: 100 }));
    assert.deepEqual(found.map(({ unit, model }) => ({ unit, model })), profiles.map((profile, i) => ({ unit: units[i]!, model: profile
      .model })));
  });
});
