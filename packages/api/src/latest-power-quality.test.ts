import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { abs, lineToLine, polarDeg, Q } from '@phasewire/core';
import { latestPowerQuality, vufPercentOf } from './latest-power-quality.ts';

const phases = (u1: number, u2: number, u3: number, a2 = 120, a3 = 240) => new Map<string, number>([
  [Q.voltageL1, u1], [Q.voltageL2, u2], [Q.voltageL3, u3], [Q.angleVoltageL2, a2], [Q.angleVoltageL3, a3],
]);

describe('power quality from the latest values', () => {
  it('gives a VUF of 0 for a balanced system, and labels each figure with its standard', () => {
    assert.equal(Math.abs(vufPercentOf(phases(230, 230, 230)) ?? 1) < 1e-9, true);
    const summary = latestPowerQuality(phases(230, 230, 230));
    assert.deepEqual([summary.unbalance.vuf.standard, summary.unbalance.lvur.standard, summary.unbalance.pvur.standard],
      ['IEC 61000-4-30 VUF', 'NEMA MG 1 LVUR', 'IEEE 112 PVUR']);
  });

  it('agrees between the phasor method and the line-magnitude method (IEC 61000-4-30 §5.7.1)', () => {
    const values = phases(230, 225, 205, 118, 243);
    const [u12, u23, u31] = lineToLine([polarDeg(230, 0), polarDeg(225, -118), polarDeg(205, -243)]);
    const fromLines = vufPercentOf(new Map([[Q.voltageL1L2, abs(u12)], [Q.voltageL2L3, abs(u23)], [Q.voltageL3L1, abs(u31)]]));
    const fromPhasors = vufPercentOf(values);
    assert.equal(fromPhasors !== null && fromPhasors > 1, true);
    assert.equal(Math.abs((fromPhasors ?? 0) - (fromLines ?? 0)) < 1e-9, true);
  });

  it('computes PVUR as the largest deviation from the mean of the phase voltages, and null without inputs', () => {
    // Mean 220 V, largest deviation 20 V: 9.0909 %.
    assert.equal(Math.abs((latestPowerQuality(phases(230, 230, 200)).unbalance.pvur.value ?? 0) - 100 * 20 / 220) < 1e-9, true);
    const empty = latestPowerQuality(new Map());
    assert.deepEqual([empty.unbalance.vuf.value, empty.unbalance.lvur.value, empty.currentUnbalance, empty.neutralCurrent],
      [null, null, null, null]);
  });
});
