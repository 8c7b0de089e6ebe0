import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { findScenario, type Scenario } from './index.ts';
import { newTimelineState, Timeline } from './timeline.ts';

const start = Date.UTC(2026, 0, 1, 0);

const drift: Scenario = {
  ...findScenario('balanced-motor'),
  name: 'drift-and-sag',
  events: [
    { kind: 'frequency-drift', deltaHz: -0.5, start: 1000, duration: 4000, rise: 1000, every: 10_000 },
    { kind: 'sag', phases: ['L2'], depth: 0.4, start: 2500, duration: 1000 },
    { kind: 'reversed-ct', phase: 'L3', start: 6000, duration: 2000 },
    { kind: 'load-change', phases: ['L1'], change: 0.5, start: 0, duration: Number.POSITIVE_INFINITY, rise: 8000 },
  ],
};

describe('Timeline', () => {
  it('ramps an event in and out over its rise, and repeats it', () => {
    const timeline = new Timeline(drift, start);
    const st = newTimelineState();
    const frequencyAt = (t: number): number => { timeline.evaluate(t, st); return st.frequency; };
    assert.equal(frequencyAt(500), 50);
    assert.equal(frequencyAt(1500), 49.75);
    assert.equal(frequencyAt(3000), 49.5);
    assert.equal(frequencyAt(4500), 49.75);
    assert.equal(frequencyAt(5000), 50);
    assert.equal(frequencyAt(13_000), 49.5, 'the next occurrence, 10 s later');
    timeline.evaluate(3000, st);
    assert.deepEqual([...st.voltage], [1, 0.6, 1]);
    timeline.evaluate(7000, st);
    assert.deepEqual([...st.polarity], [1, 1, -1]);
    assert.equal(st.load[0], 1 + 0.5 * (7000 / 8000));
    assert.equal(st.load[1], 1);
  });

  it('counts the cycles as the integral of the frequency', () => {
    const timeline = new Timeline(drift, start);
    const st = newTimelineState();
    fc.assert(fc.property(fc.double({ min: 0, max: 40_000, noNaN: true }), (t) => {
      // Trapezoids on a 1 ms grid are exact for a piecewise-linear frequency with knots on whole ms.
      let cycles = 0;
      let previous = 50;
      const whole = Math.floor(t);
      for (let k = 1; k <= whole; k++) {
        timeline.evaluate(k, st);
        cycles += (previous + st.frequency) / 2000;
        previous = st.frequency;
      }
      timeline.evaluate(t, st);
      cycles += ((previous + st.frequency) / 2000) * (t - whole);
      assert.ok(Math.abs(timeline.cycles(t) - cycles) < 1e-9, `${timeline.cycles(t)} vs ${cycles} at ${t}`);
    }), { numRuns: 30 });
  });

  it('names every knot in order, so that each function is linear between two of them', () => {
    const timeline = new Timeline(drift, start);
    const knots: number[] = [];
    for (let t = 0; t < 20_000;) {
      t = timeline.nextKnot(t);
      knots.push(t);
    }
    assert.deepEqual(knots.slice(0, 9), [1000, 2000, 2500, 3500, 4000, 5000, 6000, 8000, 11_000]);
  });

  it('follows the daily profile on whole UTC hours', () => {
    const scenario = findScenario('daily-profile');
    const at = Date.UTC(2026, 0, 1, 6, 30);
    const timeline = new Timeline(scenario, at);
    assert.ok(Math.abs(timeline.profile(0) - 0.55) < 1e-12);
    assert.ok(Math.abs(timeline.profile(30 * 60_000) - 0.65) < 1e-12);
    assert.equal(timeline.nextKnot(0), 30 * 60_000);
    assert.equal(timeline.nextKnot(30 * 60_000), 90 * 60_000);
  });
});
