import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { catalogue, hasCode, parseMeterId, Q, type ObisCode, type Snapshot } from '@phasewire/core';
import { createSimulatedMeter, findScenario, type Scenario } from './index.ts';

const meter = parseMeterId('test-meter-1');
const start = Date.UTC(2026, 0, 1, 12);
const value = (s: Snapshot, code: ObisCode): number => s.values.get(code) ?? Number.NaN;

/** |actual/expected − 1| ≤ tolerance. */
function near(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual / expected - 1) <= tolerance, `${what}: ${actual} is not within ${tolerance * 100} % of ${expected}`);
}

describe('a simulated meter in waveform mode', () => {
  it('measures a balanced 230 V / 10 A / PF 0.9 lagging load within 0.1 % of the analytic values', () => {
    const sim = createSimulatedMeter({ meter, scenario: 'balanced-motor', mode: 'waveform', seed: 1, start });
    const s = sim.advanceTo(start + 2000);
    const phi = Math.acos(0.9);
    for (const n of ['1', '2', '3'] as const) {
      near(value(s, Q[`voltageL${n}`]), 230, 0.001, `V L${n}`);
      near(value(s, Q[`currentL${n}`]), 10, 0.001, `I L${n}`);
      near(value(s, Q[`activePowerL${n}`]), 2070, 0.001, `P L${n}`);
      near(value(s, Q[`reactivePowerImportL${n}`]), 2300 * Math.sin(phi), 0.001, `Q L${n}`);
      near(value(s, Q[`apparentPowerL${n}`]), 2300, 0.001, `S L${n}`);
      near(value(s, Q[`powerFactorL${n}`]), 0.9, 0.001, `PF L${n}`);
      near(value(s, Q[`angleCurrentL${n}`]), (phi * 180) / Math.PI, 0.001, `angle I L${n}`);
    }
    near(value(s, Q.activePower), 3 * 2070, 0.001, 'P total');
    near(value(s, Q.reactivePowerImport), 3 * 2300 * Math.sin(phi), 0.001, 'Q total');
    near(value(s, Q.apparentPower), 3 * 2300, 0.001, 'S total');
    near(value(s, Q.powerFactor), 0.9, 0.001, 'PF total');
    near(value(s, Q.voltageL1L2), 230 * Math.sqrt(3), 0.001, 'V L1-L2');
    near(value(s, Q.angleVoltageL2), 120, 0.001, 'angle V L2');
    near(value(s, Q.angleVoltageL3), 240, 0.001, 'angle V L3');
    near(value(s, Q.frequency), 50, 0.001, 'frequency');
    assert.equal(value(s, Q.reactivePowerExport), 0);
  });

  it('gives every catalogue quantity a finite value', () => {
    const sim = createSimulatedMeter({ meter, scenario: 'nonlinear', mode: 'waveform', seed: 1, start });
    const s = sim.advanceTo(start + 1000);
    assert.deepEqual([...s.values.keys()], catalogue.map((q) => q.obis));
    for (const [code, x] of s.values) assert.ok(Number.isFinite(x), `${code} is ${x}`);
  });

  it('gives the same output for the same seed and different noise for another seed', () => {
    const run = (seed: number): Snapshot[] => {
      const sim = createSimulatedMeter({ meter, scenario: 'nonlinear', mode: 'waveform', seed, start });
      return [sim.advanceTo(start + 600), sim.advanceTo(start + 1400)];
    };
    const [a, b, c] = [run(7), run(7), run(8)];
    assert.deepEqual(a, b);
    const differ = catalogue.filter((q) => q.kind === 'instantaneous' && value(a[1] as Snapshot, q.obis) !== value(c[1] as Snapshot, q
      .obis));
    assert.ok(differ.length > 20, `only ${differ.length} quantities differ between seeds 7 and 8`);
    near(value(a[1] as Snapshot, Q.voltageL1), value(c[1] as Snapshot, Q.voltageL1), 1e-4, 'noise is small');
  });

  it('registers the same energy whether it is read every second or once', () => {
    const stepped = createSimulatedMeter({ meter, scenario: 'reversed-ct', mode: 'waveform', seed: 3, start });
    const once = createSimulatedMeter({ meter, scenario: 'reversed-ct', mode: 'waveform', seed: 3, start });
    for (let t = 1000; t <= 6000; t += 1000) stepped.advanceTo(start + t);
    once.advanceTo(start + 6000);
    const a = stepped.registers();
    const b = once.registers();
    for (const key of Object.keys(a) as (keyof typeof a)[]) {
      assert.ok(Math.abs(a[key] - b[key]) <= 1e-9 * Math.max(1, Math.abs(b[key])), `${key}: ${a[key]} stepped, ${b[key]} at once`);
    }
  });

  it('uses 12-cycle windows on a 60 Hz system and 10-cycle windows on a 50 Hz one (both about 200 ms)', () => {
    for (const [scenario, cycles] of [['us-208', 12], ['balanced-motor', 10]] as const) {
      const sim = createSimulatedMeter({ meter, scenario, mode: 'waveform', seed: 1, start, samplesPerCycle: 32 });
      sim.advanceTo(start + 10_000);
      const state = sim.state();
      assert.equal(state.windowCycles, cycles);
      // 10 s of 200 ms windows, and the one that straddles the end, measured ahead.
      assert.ok(state.windows === 50 || state.windows === 51, `${scenario}: ${state.windows} windows in 10 s`);
    }
  });

  it('reports the latest window when read again at the same time or within one window', () => {
    const sim = createSimulatedMeter({ meter, scenario: 'balanced-motor', mode: 'waveform', seed: 1, start });
    const first = sim.advanceTo(start);
    near(value(first, Q.voltageL1), 230, 1e-3, 'V at the start');
    sim.advanceTo(start + 1000);
    const again = sim.advanceTo(start + 1050);
    near(value(again, Q.activePower), 6210, 1e-3, 'P within a window');
  });
});

describe('a simulated meter in phasor mode', () => {
  it('reads a balanced load exactly', () => {
    const sim = createSimulatedMeter({ meter, scenario: 'balanced-motor', mode: 'phasor', seed: 1, start });
    const s = sim.advanceTo(start + 1000);
    near(value(s, Q.activePower), 6210, 1e-12, 'P total');
    near(value(s, Q.powerFactorL2), 0.9, 1e-12, 'PF L2');
    assert.ok(value(s, Q.currentNeutral) < 1e-9);
  });

  it('leaves the power factor of a phase without current out, never 1, in both modes', () => {
    for (const mode of ['phasor', 'waveform'] as const) {
      const sim = createSimulatedMeter({ meter, scenario: 'single-phase-l2', mode, seed: 1, start });
      const s = sim.advanceTo(start + 1000);
      assert.equal(value(s, Q.currentL1), 0, `${mode}: L1 idle`);
      assert.equal(s.values.has(Q.powerFactorL1), false, `${mode}: PF L1 is undefined, so absent (found ${value(s, Q.powerFactorL1)})`);
      assert.equal(s.values.has(Q.powerFactorL3), false, `${mode}: PF L3`);
      assert.ok(value(s, Q.powerFactorL2) > 0.8 && value(s, Q.powerFactorL2) < 1, `${mode}: PF L2 is measured`);
    }
  });

  it('handles a read at the start time (an interval of no length)', () => {
    const sim = createSimulatedMeter({ meter, scenario: 'frequency-drift', mode: 'phasor', seed: 1, start });
    const s = sim.advanceTo(start);
    near(value(s, Q.voltageL3), 230, 1e-12, 'V L3');
    near(value(s, Q.frequency), 50, 1e-12, 'frequency');
    assert.equal(value(s, Q.activeEnergyImport), 0);
  });
});

describe('createSimulatedMeter', () => {
  it('refuses to go back in time', () => {
    const sim = createSimulatedMeter({ meter, scenario: 'balanced-motor', mode: 'phasor', seed: 1, start });
    sim.advanceTo(start + 5000);
    assert.throws(() => sim.advanceTo(start + 4999), (e: unknown) => hasCode(e, 'PW_ERR_INVALID_ARGUMENT') && /already been simulated/.test(
      e.message));
    assert.throws(() => sim.advanceTo(Number.NaN), (e: unknown) => hasCode(e, 'PW_ERR_INVALID_ARGUMENT'));
  });

  it('carries registers on from where a restarted meter left them, and refuses a register that is not a finite, non-negative energy', () =>
    {
    const fresh = createSimulatedMeter({ meter, scenario: 'balanced-motor', mode: 'phasor', seed: 1, start });
    const restarted = createSimulatedMeter({ meter, scenario: 'balanced-motor', mode: 'phasor', seed: 1, start, registers: {
      activeEnergyImport: 1_234_567, reactiveEnergyQ1: 890 } });
    const a = fresh.advanceTo(start + 3_600_000);
    const b = restarted.advanceTo(start + 3_600_000);
    assert.ok((a.values.get(Q.activeEnergyImport) ?? 0) > 0, 'the hour used energy');
    assert.equal((b.values.get(Q.activeEnergyImport) ?? 0) - (a.values.get(Q.activeEnergyImport) ?? 0), 1_234_567);
    assert.equal(restarted.registers().reactiveEnergyQ1 - fresh.registers().reactiveEnergyQ1, 890);
    assert.equal(b.values.get(Q.activeEnergyImportL1), a.values.get(Q.activeEnergyImportL1), 'registers not given start at zero');
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => createSimulatedMeter({ meter, scenario: 'balanced-motor', mode: 'phasor', seed: 1, start, registers: {
        activeEnergyExport: bad } }),
        (e: unknown) => hasCode(e, 'PW_ERR_INVALID_ARGUMENT') && /register activeEnergyExport/.test(e.message));
    }
  });

  it('names the known scenarios when asked for an unknown one', () => {
    assert.throws(() => createSimulatedMeter({ meter, scenario: 'no-such', mode: 'phasor', seed: 1, start }),
      (e: unknown) => hasCode(e, 'PW_ERR_UNKNOWN_SCENARIO') && /balanced-motor/.test(e.message) && /developing-imbalance/.test(e.message));
  });

  it('refuses a sampling rate that cannot carry the harmonics of the scenario', () => {
    assert.throws(() => createSimulatedMeter({ meter, scenario: 'nonlinear', mode: 'waveform', seed: 1, start, samplesPerCycle: 20 }),
      (e: unknown) => hasCode(e, 'PW_ERR_INVALID_ARGUMENT') && /order 13/.test(e.message));
    assert.throws(() => createSimulatedMeter({ meter, scenario: 'balanced-motor', mode: 'waveform', seed: 1, start, samplesPerCycle:
      64.5 }),
      (e: unknown) => hasCode(e, 'PW_ERR_INVALID_ARGUMENT'));
    assert.throws(() => createSimulatedMeter({ meter, scenario: 'balanced-motor', mode: 'phasor', seed: 1, start, demandIntervalMs: 0 }),
      (e: unknown) => hasCode(e, 'PW_ERR_INVALID_ARGUMENT'));
  });

  it('validates a scenario built by hand', () => {
    const bad: Scenario = { ...findScenario('balanced-motor'), name: 'hand-made', loads: [{ kind: 'motor', phases: 'all', current: 10,
      powerFactor: 1.2 }] };
    assert.throws(() => createSimulatedMeter({ meter, scenario: bad, mode: 'phasor', seed: 1, start }),
      (e: unknown) => hasCode(e, 'PW_ERR_INVALID_SCENARIO') && /loads\[0\]\.powerFactor is 1\.2/.test(e.message));
  });
});
