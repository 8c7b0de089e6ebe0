import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrequencyMeter, type CycleCount } from './frequency-meter.ts';

/** A window of a sine of `hz` sampled every `step` ms from `from` ms, plus a 5th harmonic. */
function sine(hz: number, from: number, step: number, n: number): { samples: Float64Array; times: Float64Array } {
  const times = Float64Array.from({ length: n }, (_, j) => from + j * step);
  const samples = times.map((t) => 325 * Math.sin(2 * Math.PI * hz * t / 1000 + 0.3) + 8 * Math.sin(10 * Math.PI * hz * t / 1000));
  return { samples, times };
}

describe('FrequencyMeter', () => {
  it('counts whole cycles between interpolated zero crossings, across window edges', () => {
    const meter = new FrequencyMeter();
    const count: CycleCount = { cycles: 0, span: 0 };
    let cycles = 0;
    let span = 0;
    // Sampled at a rate unrelated to the signal, as when the lock is off.
    for (let w = 0; w < 10; w++) {
      const { samples, times } = sine(49.83, w * 200, 0.3, 667);
      meter.scan(0, samples, times, 20, count);
      cycles += count.cycles;
      span += count.span;
    }
    assert.ok(Math.abs((1000 * cycles) / span - 49.83) < 1e-4, `${(1000 * cycles) / span} Hz`);
    assert.ok(cycles >= 98, `${cycles} cycles in 2 s`);
  });

  it('restarts counting when the reference phase changes', () => {
    const meter = new FrequencyMeter();
    const count: CycleCount = { cycles: 0, span: 0 };
    const { samples, times } = sine(50, 0, 0.3125, 640);
    meter.scan(0, samples, times, 20, count);
    assert.equal(count.cycles, 9, 'the first crossing only starts the count');
    const next = sine(50, 200, 0.3125, 640);
    meter.scan(1, next.samples, next.times, 20, count);
    assert.equal(count.cycles, 9, 'and again on the new reference');
  });

  it('ignores chatter closer than half a period', () => {
    const meter = new FrequencyMeter();
    const count: CycleCount = { cycles: 0, span: 0 };
    const times = Float64Array.from([0, 1, 2, 3, 4, 5, 20, 21, 40, 41]);
    const samples = Float64Array.from([-1, 1, -1, 1, -1, 1, -1, 1, -1, 1]);
    meter.scan(0, samples, times, 20, count);
    assert.deepEqual(count, { cycles: 2, span: 40 });
  });
});
