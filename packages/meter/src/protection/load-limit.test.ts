// Load limiting on the sensing layer: the relay opens once the load has stayed above the current or
// demand limit for the limit's delay (simulated time), whether protection is armed or not; below the
// limit, or with no limit, it stays closed; the trip names the limit and keeps the pre-trip values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMeterId } from '@phasewire/core';
import { defaultProtectionSettings, parseLoadLimit, type LoadLimit } from '@phasewire/core/protocol';
import { defaultReactingMotor } from '../motor.ts';
import { findScenario } from '../scenarios.ts';
import { createProtectedMeter } from './protected-meter.ts';
import type { TripRecord } from './protection.ts';

const start = Date.UTC(2026, 0, 1);
const second = 1000;
const window = 200;

/** The reacting motor at its rating: 10 A a line, 6.21 kW. */
function run(limit: LoadLimit | undefined, until: number, armed = true) {
  const trips: TripRecord[] = [];
  const meter = createProtectedMeter({
    meter: parseMeterId('limit-1'), scenario: { ...findScenario('balanced-motor'), name: 'limited', motor: defaultReactingMotor },
    mode: 'phasor', seed: 1, start, settings: defaultProtectionSettings, onTrip: (record) => trips.push(record),
  });
  meter.protection.setArmed(armed);
  meter.protection.setLoadLimit(limit);
  for (let t = second; t <= until; t += second) meter.meter.advanceTo(start + t);
  return { meter, trips };
}

describe('load limiting', () => {
  it('opens the relay once the current has stayed above the limit for the delay, armed or not', () => {
    for (const armed of [true, false]) {
      const { meter, trips } = run(parseLoadLimit({ version: 1, current: 8, delayMs: 5000 }), 20 * second, armed);
      assert.equal(trips.length, 1);
      const trip = trips[0] as TripRecord;
      assert.equal(trip.fn, 'load-limit');
      // Above the limit from the first window: picked up at 200 ms, tripped at the first window 5 s after.
      assert.ok(trip.at - start >= window + 5000 && trip.at - start <= 2 * window + 5000, `tripped at ${trip.at - start} ms`);
      assert.match(trip.reason, /highest line current 10\.0 A, over the limit of 8 A \(limit version 1\)/);
      assert.equal(trip.values.current[0], 10);
      assert.deepEqual([meter.relay.state, meter.control.state().openedBy, meter.control.state().fn], ['open', 'trip', 'load-limit']);
    }
  });

  it('limits demand: total active power over the limit', () => {
    const { trips } = run(parseLoadLimit({ version: 2, demand: 5000, delayMs: 2000 }), 10 * second);
    const [trip] = trips;
    assert.ok(trip !== undefined);
    assert.equal(trip.fn, 'load-limit');
    assert.match(trip.reason, /demand 6\.21 kW, over the limit of 5\.00 kW/);
  });

  it('stays closed below the limit, with no limit, and when the limit is cleared before its delay', () => {
    assert.deepEqual(run(parseLoadLimit({ version: 1, current: 12, demand: 7000, delayMs: 0 }), 30 * second).trips, []);
    assert.deepEqual(run(parseLoadLimit({ version: 1, delayMs: 0 }), 30 * second).trips, []);
    assert.deepEqual(run(undefined, 30 * second).trips, []);
    const { meter, trips } = run(parseLoadLimit({ version: 1, current: 8, delayMs: 10_000 }), 5 * second);
    meter.protection.setLoadLimit(undefined);
    for (let t = 6 * second; t <= 30 * second; t += second) meter.meter.advanceTo(start + t);
    assert.deepEqual([trips, meter.relay.state], [[], 'closed']);
  });

  it('refuses a limit that does not fit its schema, naming the field', () => {
    assert.throws(() => parseLoadLimit({ version: 1, current: -3 }), { code: 'PW_ERR_LOAD_LIMIT', message: /current/ });
    assert.throws(() => parseLoadLimit({ current: 3 }), { code: 'PW_ERR_LOAD_LIMIT', message: /version/ });
    assert.deepEqual(parseLoadLimit({ version: 4, demand: 1000 }), { version: 4, demand: 1000, delayMs: 60_000 });
  });
});
