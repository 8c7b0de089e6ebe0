import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMeterId, Q } from '@phasewire/core';
import type { IntervalValue } from '@phasewire/store';
import type { FinalInterval } from '../types.ts';
import { veeWrites } from './vee-writes.ts';

const meter = parseMeterId('meter-0001');
const t0 = Date.UTC(2026, 0, 5);
const q = 900_000;
const energy = Q.activeEnergyImport;
const final = (
  k: number,
  value: number | null,
  quality: FinalInterval['quality'],
  rule?: FinalInterval['provenance'][number]['rule'],
): FinalInterval => ({
  at: t0 + k * q, value, quality, raw: value, history: [],
  provenance: rule === undefined ? [] : [{ rule, from: null, to: value, quality, reason: `${rule} did it` }],
});
const stored = (k: number, value: number | null, quality: IntervalValue['quality'], finalValue: number | null = null): IntervalValue => ({
  meter, quantity: energy, end: t0 + k * q, raw: null, validated: finalValue === null ? value : null, final: finalValue,
  value: finalValue ?? value, quality,
});

describe('veeWrites', () => {
  it('writes values that passed every rule under VEE, and each changed value under its rule', () => {
    const groups =
      veeWrites(meter, energy, [final(1, 10, 'validated'), final(2, 11, 'estimated', 'EST-LINEAR'), final(3, 12, 'validated')], [], t0, 0);
    assert.deepEqual(groups.map((g) =>
      [g.provenance.kind === 'rule' ? g.provenance.rule : '', g.writes.map((w) => [(w.end - t0) / q, w.stage, w.quality])]), [
      ['VEE', [[1, 'validated', 'validated'], [3, 'validated', 'validated']]],
      ['EST-LINEAR', [[2, 'validated', 'estimated']]],
    ]);
  });

  it('says EST-LATE-DATA when a measured value replaces a stored estimate, and EST-REESTIMATE for a new estimate', () => {
    const groups = veeWrites(meter, energy, [final(1, 10, 'validated'), final(2, 11, 'estimated', 'EST-LINEAR')],
      [stored(1, 9, 'estimated'), stored(2, 12, 'estimated')], t0, 0);
    assert.deepEqual(groups.map((g) => g.provenance.kind === 'rule' ? g.provenance.rule : ''), ['EST-LATE-DATA', 'EST-REESTIMATE']);
  });

  it('writes the final stage of settled intervals, never over a person\'s edit', () => {
    const groups = veeWrites(meter, energy, [final(1, 10, 'validated'), final(2, 11, 'validated'), final(3, 12, 'validated')],
      [stored(2, 11, 'edited', 15)], t0, t0 + 2 * q);
    assert.deepEqual(groups.flatMap((g) => g.writes.map((w) => `${(w.end - t0) / q}:${w.stage}`)),
      ['1:validated', '1:final', '2:validated', '3:validated']);
  });
});
