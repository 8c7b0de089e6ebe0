// The poller as the agents see it: each meter's snapshots handed over once, oldest first, stamped
// with the poll time; a noisy meter's CRC errors counted and never handed over; a dead meter marked
// quarantined and readable again after it comes back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom, parseMeterId, type ObisCode, type Snapshot } from '@phasewire/core';
import {
  EventScheduler, SimulatedBus, SimulatedMaster, SimulatedSlave, createProfileSlave, defaultFraming, factorOf, type DeviceProfile,
} from '@phasewire/modbus';
import { loadProfiles } from '@phasewire/modbus/node';
import { GatewayPoller } from './gateway-poller.ts';

const profiles = await loadProfiles();
const epoch = Date.UTC(2026, 0, 5);

function values(profile: DeviceProfile, unit: number): Map<ObisCode, number> {
  return new Map(profile.points.map((point) => [point.obis, point.quantity.unit === 'V' ? 230 + unit : point.quantity.unit === 'Hz' ? 50 :
    10 + unit]));
}

describe('gateway poller', () => {
  it('hands every meter\'s snapshots to its source once, in poll order, marks the dead one quarantined, and counts the noisy one\'s CRC ' +
    'errors', async () => {
    const scheduler = new EventScheduler();
    const bus = new SimulatedBus({ scheduler, framing: defaultFraming(9600), random: new SeededRandom(3) });
    const master = new SimulatedMaster(bus, { timeoutMs: 300 });
    const chosen = profiles.slice(0, 3);
    const slaves = chosen.map((profile, i) => new SimulatedSlave(bus, {
      addresses: [i + 1], handler: createProfileSlave({ profile, values: values(profile, i + 1) }), responseDelayMs: 10, ...(i === 1 ? {
        bitErrorRate: 2e-4 } : {}),
    }));
    const devices = chosen.map((profile, i) => ({ meter: parseMeterId(`gw-${i + 1}`), unit: i + 1, profile, periodMs: 5_000 }));
    slaves[2]?.failBetween(20_000, 60_000);
    const marks: string[] = [];
    const poller = new GatewayPoller({
      client: master, timers: scheduler, clock: { now: () => epoch + scheduler.now() + 0.25 }, devices,
      onQuarantine: (meter, on) => { marks.push(`${meter} ${on ? 'quarantined' : 'back'}`); },
    });
    const running = poller.start();
    const taken = new Map<string, Snapshot[]>(devices.map((d) => [d.meter, []]));
    let sawQuarantined = false;
    const drain = async (): Promise<void> => {
      for (const device of devices) {
        const source = poller.source(device.meter)!;
        for (let snapshot = await source.read(0); snapshot !== undefined; snapshot = await source.read(0)) taken.get(device.meter)?.push(
          snapshot);
      }
    };
    for (let t = 0; t < 120_000; t += 1_000) {
      await scheduler.runFor(1_000);
      sawQuarantined ||= poller.quarantined(devices[2]!.meter);
      await drain();
    }
    await scheduler.runUntilSettled(poller.stop());
    await running;
    await drain();
    assert.ok(sawQuarantined);
    assert.deepEqual(marks, ['gw-3 quarantined', 'gw-3 back']);
    for (const [i, device] of devices.entries()) {
      const snapshots = taken.get(device.meter) ?? [];
      const times = snapshots.map((s) => s.at);
      assert.deepEqual(times, [...times].sort((a, b) => a - b), 'oldest first');
      assert.equal(new Set(times).size, times.length, 'each poll handed over once');
      assert.ok(times.every((at) => Number.isInteger(at)), 'in whole milliseconds');
      assert.ok(times.every((at) => at >= epoch && at <= epoch + 125_000), 'stamped with the poll time');
      const want = values(device.profile, i + 1);
      for (const snapshot of snapshots) {
        for (const point of device.profile.points) {
          const value = want.get(point.obis) ?? 0;
          const tolerance = point.type.startsWith('float') ? Math.abs(value) * 1e-6 : Math.abs(factorOf(point));
          const got = snapshot.values.get(point.obis) ?? Number.NaN;
          assert.ok(Math.abs(got - value) <= tolerance, `${device.meter} ${point.quantity.key}: ${got}, served ${value}`);
        }
      }
      if (i === 2) {
        assert.ok(times.some((at) => at < epoch + 20_000) && times.some((at) => at > epoch + 60_000),
          'readings before it died and after it came back');
        assert.ok(!times.some((at) => at > epoch + 20_500 && at < epoch + 60_000), 'none while dead');
      } else {
        assert.ok(snapshots.length >= 20, `${device.meter}: ${snapshots.length} snapshots in 120 s at a 5 s period`);
      }
      assert.equal(poller.waiting(device.meter), 0);
    }
    const stats = poller.stats();
    assert.ok((stats.get(devices[1]!.meter)?.crcErrors ?? 0) > 0, 'the noisy meter\'s CRC errors are counted');
    assert.equal(stats.get(devices[0]!.meter)?.crcErrors, 0, 'its neighbours read clean');
    const totals = poller.totals();
    assert.equal(totals.meters, 3);
    assert.equal(totals.quarantined, 0);
    assert.equal(totals.dropped, 0);
    assert.ok(totals.timeouts > 0);
    assert.equal(poller.source(parseMeterId('not-here')), undefined);
  });

  it('keeps at most `buffer` snapshots per meter for an agent that does not take them, and counts the dropped ones', async () => {
    const scheduler = new EventScheduler();
    const bus = new SimulatedBus({ scheduler, framing: defaultFraming(19_200), random: new SeededRandom(3) });
    const profile = profiles[0]!;
    new SimulatedSlave(bus, { addresses: [1], handler: createProfileSlave({ profile, values: values(profile, 1) }) });
    const meter = parseMeterId('gw-1');
    const poller = new GatewayPoller({ client: new SimulatedMaster(bus), timers: scheduler, devices: [{ meter, unit: 1, profile, periodMs:
      1_000 }], buffer: 4 });
    const running = poller.start();
    await scheduler.runFor(10_500);
    await scheduler.runUntilSettled(poller.stop());
    await running;
    assert.equal(poller.waiting(meter), 4);
    assert.equal(poller.totals().dropped, 7);
    const source = poller.source(meter)!;
    const latest = source.latest(0);
    const first = await source.read(0);
    assert.ok(latest !== undefined && first !== undefined && first.at < latest.at);
  });

  it('withholds every snapshot no live meter can read (0 V, 0 Hz), counts and reports it, and hands its neighbour\'s over', async () => {
    const scheduler = new EventScheduler();
    const bus = new SimulatedBus({ scheduler, framing: defaultFraming(19_200), random: new SeededRandom(3) });
    const profile = profiles.find((p) => p.model === 'dtsu666')!;
    new SimulatedSlave(bus, { addresses: [1], handler: createProfileSlave({ profile, values: new Map() }) });
    new SimulatedSlave(bus, { addresses: [2], handler: createProfileSlave({ profile, values: values(profile, 2) }) });
    const [dead, live] = [parseMeterId('gw-zero'), parseMeterId('gw-live')];
    const reported: string[] = [];
    const poller = new GatewayPoller({
      client: new SimulatedMaster(bus), timers: scheduler,
      devices: [{ meter: dead, unit: 1, profile, periodMs: 1_000 }, { meter: live, unit: 2, profile, periodMs: 1_000 }],
      onImplausible: (snapshot, problems) => { reported.push(`${snapshot.meter}: ${problems.join('; ')}`); },
    });
    const running = poller.start();
    await scheduler.runFor(5_500);
    await scheduler.runUntilSettled(poller.stop());
    await running;
    const source = poller.source(dead)!;
    assert.equal(await source.read(0), undefined, 'nothing is handed to the agent');
    assert.equal(source.latest(0), undefined, 'nor answers a read command');
    assert.ok(poller.implausible(dead) >= 5 && poller.totals().implausible === poller.implausible(dead), `${poller.implausible(
      dead)} withheld`);
    assert.equal(reported.length, poller.implausible(dead));
    assert.ok(reported.every((line) => line.startsWith('gw-zero: frequency 0 Hz, expected 45–65 Hz; ')), reported[0]);
    assert.ok(poller.waiting(live) >= 5 && poller.implausible(live) === 0);
  });
});
