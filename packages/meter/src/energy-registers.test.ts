import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseMeterId, Q } from '@phasewire/core';
import { EnergyRegisters } from './energy-registers.ts';
import { createSimulatedMeter, type MeterMode, type RegisterValues } from './index.ts';

const hour = 3_600_000;
const start = Date.UTC(2026, 0, 1, 0);
const powers = (a: number, b: number, c: number): Float64Array => Float64Array.from([a, b, c]);

function near(actual: number, expected: number, relative: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${what}: ${actual}, expected ${expected} ± ${relative * 100} %`);
}

describe('EnergyRegisters', () => {
  it('registers each quadrant of the totals and each direction of each phase', () => {
    const r = new EnergyRegisters(start, 15 * 60_000);
    r.add(0, hour, powers(1000, 1000, 1000), powers(100, 100, 100)); // QI
    r.add(hour, 2 * hour, powers(-1000, -1000, -1000), powers(200, 200, 200)); // QII
    r.add(2 * hour, 3 * hour, powers(-1000, -1000, -1000), powers(-300, -300, -300)); // QIII
    r.add(3 * hour, 4 * hour, powers(1000, 1000, 1000), powers(-400, -400, -400)); // QIV
    assert.deepEqual([...r.quadrant], [300, 600, 900, 1200]);
    assert.deepEqual([...r.activeImport], [2000, 2000, 2000, 6000]);
    assert.deepEqual([...r.activeExport], [2000, 2000, 2000, 6000]);
    assert.deepEqual([...r.reactiveImport], [300, 300, 300, 900]);
    assert.deepEqual([...r.reactiveExport], [700, 700, 700, 2100]);
  });

  it('decides the totals on the sum of the phases, each phase on its own sign', () => {
    const r = new EnergyRegisters(start, 15 * 60_000);
    r.add(0, hour, powers(2000, -500, 2000), powers(0, 0, 0));
    assert.deepEqual([...r.activeImport], [2000, 0, 2000, 3500]);
    assert.deepEqual([...r.activeExport], [0, 500, 0, 0]);
  });

  it('keeps demand in blocks aligned to the epoch: the running block and the largest completed one', () => {
    // Start 5 minutes into a 15-minute block.
    const r = new EnergyRegisters(start + 5 * 60_000, 15 * 60_000);
    r.add(0, 5 * 60_000, powers(1000, 1000, 1000), powers(0, 0, 0));
    near(r.currentDemand(), 3000 / 3, 1e-12, 'a third of the block at 3 kW');
    r.add(5 * 60_000, 12 * 60_000, powers(2000, 2000, 2000), powers(0, 0, 0));
    // The first block held 5 min at 3 kW and 5 min at 6 kW; its last 5 min fell before the start.
    near(r.maxDemand(), (3000 * 5 + 6000 * 5) / 15, 1e-12, 'the first (partial) block closed');
    near(r.currentDemand(), (6000 * 2) / 15, 1e-12, 'two minutes into the next block at 6 kW');
    r.add(12 * 60_000, 25 * 60_000, powers(2000, 2000, 2000), powers(0, 0, 0));
    near(r.maxDemand(), 6000, 1e-12, 'a full block at 6 kW');
    assert.equal(r.currentDemand(), 0, 'a new block has just begun');
    assert.equal(r.nextBoundary(25 * 60_000), 25 * 60_000 + 15 * 60_000);
  });

  it('only ever grows, and its quadrants sum to the reactive import and export (any powers, any steps)', () => {
    const step = fc.record({
      ms: fc.integer({ min: 1, max: 20 * 60_000 }),
      p: fc.array(fc.double({ min: -5e4, max: 5e4, noNaN: true }), { minLength: 3, maxLength: 3 }),
      q: fc.array(fc.double({ min: -5e4, max: 5e4, noNaN: true }), { minLength: 3, maxLength: 3 }),
    });
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
      const r = new EnergyRegisters(start, 15 * 60_000);
      let t = 0;
      let before = snapshot(r);
      for (const s of steps) {
        r.add(t, t + s.ms, Float64Array.from(s.p), Float64Array.from(s.q));
        t += s.ms;
        const after = snapshot(r);
        after.forEach((x, k) => { assert.ok(x >= (before[k] ?? 0), `register ${k} fell from ${before[k]} to ${x}`); });
        before = after;
      }
      const [q1 = 0, q2 = 0, q3 = 0, q4 = 0] = r.quadrant;
      near(q1 + q2, r.reactiveImport[3] ?? 0, 1e-9, 'QI + QII = +R');
      near(q3 + q4, r.reactiveExport[3] ?? 0, 1e-9, 'QIII + QIV = −R');
    }), { numRuns: 200 });
  });
});

function snapshot(r: EnergyRegisters): number[] {
  return [...r.activeImport, ...r.activeExport, ...r.reactiveImport, ...r.reactiveExport, ...r.quadrant, r.maxDemand()];
}

describe('a simulated meter over one hour', () => {
  // The daily profile from 06:30 to 07:30 UTC: its multiplier rises linearly from 0.55 to 0.65 until
  // 07:00 and on to 0.75 by 07:30. Each phase draws 20 A at PF 0.9 and 10 A at PF 1 at full load:
  // 230 V × 28 A = 6440 W per phase, so ∫P dt = 3 × 6440 W × (0.5 h × 0.6 + 0.5 h × 0.7) = 12 558 Wh.
  const from = Date.UTC(2026, 0, 1, 6, 30);
  const expected = 3 * 6440 * (0.5 * 0.6 + 0.5 * 0.7);
  for (const mode of ['phasor', 'waveform'] as const satisfies readonly MeterMode[]) {
    it(`registers the integral of P in one call of an hour, within 0.1 % (${mode})`, () => {
      const sim = createSimulatedMeter({ meter: parseMeterId('hour-1'), scenario: 'daily-profile', mode, seed: 2, start: from,
        samplesPerCycle: 32 });
      const s = sim.advanceTo(from + hour);
      near(sim.registers().activeEnergyImport, expected, mode === 'phasor' ? 1e-12 : 1e-3, 'A+');
      near(s.values.get(Q.activePower) ?? 0, expected, mode === 'phasor' ? 1e-12 : 1e-3, 'mean P over the hour');
      assert.equal(sim.registers().activeEnergyExport, 0);
    });
  }

  it('keeps every register monotonic and the quadrants summing to ±R through sags, losses and reversals', () => {
    fc.assert(fc.property(
      fc.constantFrom('sag', 'phase-loss', 'reversed-ct', 'developing-imbalance', 'nonlinear'),
      fc.array(fc.integer({ min: 0, max: 120_000 }), { minLength: 1, maxLength: 25 }),
      (scenario, steps) => {
        const sim = createSimulatedMeter({ meter: parseMeterId('mono-1'), scenario, mode: 'phasor', seed: 4, start });
        let t = start;
        let before: RegisterValues = sim.registers();
        for (const ms of steps) {
          t += ms;
          sim.advanceTo(t);
          const after = sim.registers();
          for (const key of Object.keys(after) as (keyof RegisterValues)[]) {
            if (key === 'activeDemandImport') continue; // the running block restarts at each boundary
            assert.ok(after[key] >= before[key], `${scenario}: ${key} fell from ${before[key]} to ${after[key]}`);
          }
          before = after;
        }
        const r = sim.registers();
        assert.ok(Math.abs(r.reactiveEnergyQ1 + r.reactiveEnergyQ2 - r.reactiveEnergyImport) <= 1e-9 * Math.max(1, r.reactiveEnergyImport));
        assert.ok(Math.abs(r.reactiveEnergyQ3 + r.reactiveEnergyQ4 - r.reactiveEnergyExport) <= 1e-9 * Math.max(1, r.reactiveEnergyExport));
      },
    ), { numRuns: 40 });
  });
});
