// The scheduler's two clocks: polls are planned on the timers (monotonic on a real bus) for slots of
// the wall clock that stamps the snapshots. When the two drift apart or the wall clock is stepped,
// every snapshot must still be stamped on its slot, once: the MDM's interval data needs register
// reads exactly on the 15-minute grid (poll-slots.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom, parseMeterId, type ObisCode } from '@phasewire/core';
import { EventScheduler, SimulatedBus, SimulatedMaster, SimulatedSlave, createProfileSlave, defaultFraming } from '@phasewire/modbus';
import { loadProfiles } from '@phasewire/modbus/node';
import { BusScheduler } from './bus-scheduler.ts';
import { loadProfileIntervalMs } from './poll-slots.ts';

const profiles = await loadProfiles();
/** Off the grid: the first poll (at start) keeps its own time. */
const epoch = Date.UTC(2026, 0, 5, 8, 0, 3);
const periodMs = 60_000;
const runMs = 40 * 60_000;

/** Stamps of two meters' polls over 40 minutes, the wall clock being `wall(timers' now)`. */
async function stamps(wall: (now: number) => number): Promise<number[][]> {
  const scheduler = new EventScheduler();
  const bus = new SimulatedBus({ scheduler, framing: defaultFraming(9600), random: new SeededRandom(1) });
  const chosen = profiles.slice(0, 2);
  const devices = chosen.map((profile, i) => {
    new SimulatedSlave(bus, { addresses: [i + 1], handler: createProfileSlave({ profile, values: new Map<ObisCode, number>() }),
      responseDelayMs: 10 });
    return { meter: parseMeterId(`meter-${i + 1}`), unit: i + 1, profile, periodMs };
  });
  const polled = devices.map((): number[] => []);
  const gateway = new BusScheduler({
    client: new SimulatedMaster(bus, { timeoutMs: 300 }), timers: scheduler, clock: { now: () => wall(scheduler.now()) }, devices,
    onSnapshot: (snapshot) => { polled[devices.findIndex((d) => d.meter === snapshot.meter)]?.push(snapshot.at); },
  });
  const running = gateway.start();
  await scheduler.runFor(runMs);
  await scheduler.runUntilSettled(gateway.stop());
  await running;
  return polled;
}

function assertOnSlots(polled: readonly number[][], what: string): void {
  for (const times of polled) {
    const later = times.slice(1);
    assert.deepEqual(later.filter((t) => t % periodMs !== 0), [], `${what}: snapshots off their slots`);
    assert.ok(later.every((t, i) => i === 0 || t > (later[i - 1] ?? t)), `${what}: each slot stamped once, in order`);
    for (let boundary = Math.ceil(epoch / loadProfileIntervalMs) * loadProfileIntervalMs; boundary < epoch + runMs -
      periodMs; boundary += loadProfileIntervalMs) {
      assert.ok(times.includes(boundary), `${what}: a reading at the boundary ${new Date(boundary).toISOString()}`);
    }
    assert.ok(later.length >= 38, `${what}: ${later.length} polls on slots in 40 minutes`);
  }
}

describe('bus scheduler with the wall clock apart from its timers', () => {
  it('stamps every poll on its slot when the wall clock runs 200 ppm slow or fast against the timers', async () => {
    // Slow: the timers reach a slot while the wall clock is 12 ms short of it (a minute at 200 ppm).
    assertOnSlots(await stamps((now) => epoch + now * (1 - 200e-6)), 'slow wall clock');
    assertOnSlots(await stamps((now) => epoch + now * (1 + 200e-6)), 'fast wall clock');
  });

  it('stamps every poll on its slot, once, when the wall clock is stepped back or forward by 3 s', async () => {
    const stepAt = 10 * 60_000 + 30_000;
    assertOnSlots(await stamps((now) => epoch + now - (now >= stepAt ? 3_000 : 0)), 'stepped back');
    assertOnSlots(await stamps((now) => epoch + now + (now >= stepAt ? 3_000 : 0)), 'stepped forward');
  });
});
