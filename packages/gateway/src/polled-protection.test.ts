// Protection on polled snapshots: the meter's functions, judged once per poll, with the limits
// polling sets (docs/protection.md, "Behind a gateway").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMeterId, type Snapshot } from '@phasewire/core';
import { defaultProtectionSettings } from '@phasewire/core/protocol';
import { createSimulatedMeter, findScenario, type Scenario } from '@phasewire/meter';
import { PolledProtection } from './polled-protection.ts';

const start = Date.UTC(2026, 0, 1);
const second = 1000;
const meter = parseMeterId('polled-1');

/** Polls every `periodMs` for `untilMs`: each poll is the meter's last second, as a Modbus meter's instantaneous values. */
function poll(scenario: Scenario | string, periodMs: number, untilMs: number): { protection: PolledProtection; polls: Snapshot[] } {
  const sim = createSimulatedMeter({ meter, scenario, mode: 'phasor', seed: 1, start });
  const protection = new PolledProtection([meter], defaultProtectionSettings);
  const polls: Snapshot[] = [];
  for (let t = periodMs; t <= untilMs; t += periodMs) {
    sim.advanceTo(start + t - second);
    const snapshot = sim.advanceTo(start + t);
    polls.push(snapshot);
    protection.observe(snapshot);
  }
  return { protection, polls };
}

describe('protection behind a gateway', () => {
  it('trips on a lost phase at the first poll past the delay: up to two poll periods after the crossing', () => {
    const { protection } = poll('phase-loss', 10 * second, 90 * second);
    const trips = protection.takeTrips(meter);
    // L3 lost from 30 s to 60 s: seen at the 40 s poll (the 30 s poll read 29–30 s), tripped at the next one.
    assert.deepEqual(trips.map((t) => [t.fn, t.at - start]), [['phase-loss', 50 * second]]);
    assert.equal(trips[0]?.values.voltage[2], 0);
    assert.deepEqual(protection.takeTrips(meter), [], 'taken once');
  });

  it('misses a phase loss shorter than the poll period', () => {
    const brief: Scenario = {
      ...findScenario('balanced-motor'), name: 'brief-loss',
      events: [{ kind: 'phase-loss', phase: 'L3', start: 32 * second, duration: 3 * second }],
    };
    const { protection } = poll(brief, 10 * second, 90 * second);
    assert.deepEqual(protection.takeTrips(meter), []);
    // The same loss polled every second trips 1 s after its 500 ms delay's first poll.
    const fast = poll(brief, second, 40 * second).protection.takeTrips(meter);
    assert.deepEqual(fast.map((t) => [t.fn, t.at - start]), [['phase-loss', 34 * second]]);
  });
});
