import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMeterId, Q, type ObisCode, type Snapshot } from '@phasewire/core';
import { createSimulatedMeter, voltageUnbalance, type MeterMode, type SimulatedMeter } from './index.ts';

const meter = parseMeterId('events-1');
const start = Date.UTC(2026, 3, 1, 0);
const modes: readonly MeterMode[] = ['waveform', 'phasor'];
const value = (s: Snapshot, code: ObisCode): number => s.values.get(code) ?? Number.NaN;

function near(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected} ± ${tolerance}`);
}

/** One snapshot per second from 1 s to `seconds`, indexed by the second it ends. */
function perSecond(sim: SimulatedMeter, seconds: number): Snapshot[] {
  const out: Snapshot[] = [];
  for (let t = 1; t <= seconds; t++) out[t] = sim.advanceTo(start + t * 1000);
  return out;
}

describe('events', () => {
  for (const mode of modes) {
    it(`a 30 % sag lowers every phase voltage to 70 % during the event only (${mode})`, () => {
      const readings = perSecond(createSimulatedMeter({ meter, scenario: 'sag', mode, seed: 1, start }), 28);
      for (let t = 15; t <= 28; t++) {
        const during = t > 20 && t <= 25; // the sag covers 20–25 s
        for (const code of [Q.voltageL1, Q.voltageL2, Q.voltageL3]) {
          near(value(readings[t]!, code), during ? 0.7 * 230 : 230, 0.01, `${mode} ${code} at ${t} s`);
        }
        // A constant-impedance load draws 70 % of the current: 49 % of the power.
        near(value(readings[t]!, Q.activePower), during ? 0.49 * 6210 : 6210, 1, `${mode} P at ${t} s`);
      }
    });

    it(`a 10 % swell on L1 raises L1 alone to 110 % during the event only (${mode})`, () => {
      const readings = perSecond(createSimulatedMeter({ meter, scenario: 'swell', mode, seed: 1, start }), 27);
      for (let t = 18; t <= 27; t++) {
        const during = t > 20 && t <= 25;
        near(value(readings[t]!, Q.voltageL1), during ? 253 : 230, 0.01, `${mode} V L1 at ${t} s`);
        near(value(readings[t]!, Q.voltageL2), 230, 0.01, `${mode} V L2 at ${t} s`);
        near(value(readings[t]!, Q.voltageL3), 230, 0.01, `${mode} V L3 at ${t} s`);
      }
    });

    it(`a lost phase reads no voltage and no current, and a large unbalance (${mode})`, () => {
      const sim = createSimulatedMeter({ meter, scenario: 'phase-loss', mode, seed: 1, start });
      sim.advanceTo(start + 31_000);
      const lost = sim.advanceTo(start + 40_000);
      assert.equal(value(lost, Q.voltageL3), 0);
      assert.equal(value(lost, Q.currentL3), 0);
      assert.equal(value(lost, Q.activePowerL3), 0);
      near(value(lost, Q.currentL1), 10, 0.01, 'I L1 still flows');
      // Two equal currents 120° apart: the neutral carries the missing third, 10 A.
      near(value(lost, Q.currentNeutral), 10, 0.01, 'I N');
      const u = voltageUnbalance(lost);
      near(u.pvur.value, 1, 1e-4, 'PVUR (230, 230, 0 V)');
      near(u.vuf.value, 0.5, 1e-4, 'VUF: U1 = U2 = 2/3 and 1/3 of 230 V');
      const lines = 230 * Math.sqrt(3) + 2 * 230;
      near(u.lvur.value, (230 * Math.sqrt(3) - lines / 3) / (lines / 3), 1e-4, 'LVUR (398, 230, 230 V)');
      sim.advanceTo(start + 69_000);
      const back = sim.advanceTo(start + 70_000);
      assert.ok(value(back, Q.voltageL3) > 229, 'L3 returns after 30 s');
    });

    it(`a reversed CT reads negative power on its phase and registers export there (${mode})`, () => {
      const sim = createSimulatedMeter({ meter, scenario: 'reversed-ct', mode, seed: 1, start });
      const first = sim.advanceTo(start + 10_000);
      const later = sim.advanceTo(start + 20_000);
      near(value(later, Q.activePowerL2), -2070, 0.5, 'P L2');
      near(value(later, Q.activePowerL1), 2070, 0.5, 'P L1');
      near(value(later, Q.activePower), 2070, 1, 'the total still imports (6210 − 2 × 2070)');
      near(value(later, Q.angleCurrentL2), Math.acos(0.9) * (180 / Math.PI) - 180, 0.01, 'I L2 angle turned by 180°');
      assert.ok(value(later, Q.reactivePowerExportL2) > 1000, 'Q L2 exports');
      const export2 = (s: Snapshot): number => value(s, Q.activeEnergyExportL2);
      near(export2(first), (2070 * 10) / 3600, 0.01, 'L2 export after 10 s');
      assert.ok(export2(later) > export2(first));
      assert.equal(value(later, Q.activeEnergyImportL2), 0);
      assert.equal(value(later, Q.activeEnergyExport), 0, 'the total register imports');
      near(value(later, Q.activeEnergyImport), (2070 * 20) / 3600, 0.01, 'total import');
    });

    it(`a frequency drift is measured, ramp, hold and return (${mode})`, () => {
      const sim = createSimulatedMeter({ meter, scenario: 'frequency-drift', mode, seed: 1, start, samplesPerCycle: 32 });
      const before = sim.advanceTo(start + 9000);
      sim.advanceTo(start + 21_000);
      const hold = sim.advanceTo(start + 59_000);
      const ramp = sim.advanceTo(start + 65_000);
      sim.advanceTo(start + 99_000);
      const after = sim.advanceTo(start + 100_000);
      near(value(before, Q.frequency), 50, 1e-3, 'before');
      near(value(hold, Q.frequency), 49.7, 1e-3, 'hold at 49.7 Hz');
      // The mean over 59–65 s: 1 s at 49.7 Hz, then 5 s of the ramp back to 50 Hz over 60–70 s. The
      // waveform windows sit up to one window (0.2 s) off the interval: 0.03 Hz/s × 0.2 s.
      near(value(ramp, Q.frequency), (49.7 + 5 * 49.775) / 6, mode === 'waveform' ? 0.006 : 1e-9, 'on the ramp back');
      near(value(after, Q.frequency), 50, 1e-3, 'after');
      if (mode === 'waveform') near(sim.state().lockedFrequency ?? 0, 50, 1e-3, 'the sampler relocks at 50 Hz');
    });
  }

  it('a developing imbalance grows over three hours and then holds', () => {
    const sim = createSimulatedMeter({ meter, scenario: 'developing-imbalance', mode: 'phasor', seed: 1, start });
    // Each figure over the last second before the hour, not averaged over the hour.
    const vufAt = (hours: number): number => {
      sim.advanceTo(start + hours * 3_600_000 - 1000);
      return voltageUnbalance(sim.advanceTo(start + hours * 3_600_000)).vuf.value;
    };
    const series = [0.01, 1, 2, 3, 4, 5].map(vufAt);
    assert.ok((series[0] ?? 1) < 1e-4, `VUF at the start ${series[0]}`);
    for (let k = 1; k < 4; k++) assert.ok((series[k] ?? 0) > (series[k - 1] ?? 0), `VUF grows: ${series.join(', ')}`);
    // The L3 sag of 8 % alone gives |U2|/|U1| = 0.08/(3 − 0.08) at full depth.
    near(series[3] ?? 0, 0.08 / 2.92, 2e-5, 'VUF at 3 h');
    near(series[5] ?? 0, series[4] ?? 0, 1e-12, 'held after 3 h');
    const s = sim.advanceTo(start + 5 * 3_600_000);
    assert.ok(value(s, Q.currentL1) > 1.7 * value(s, Q.currentL2), 'L1 load has grown 80 %');
  });
});
