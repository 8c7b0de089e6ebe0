import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMeterId, Q } from '@phasewire/core';
import { intervalSnapshots } from './interval-snapshots.ts';

const meter = parseMeterId('meter-0001');
const t0 = Date.UTC(2026, 0, 5);
const q = 900_000;

describe('intervalSnapshots', () => {
  it('takes the last value of each quantity in (end − 15 min, end], stamped with the end', () => {
    const snapshots = intervalSnapshots(meter, [
      { meter, quantity: Q.voltageL1, at: t0 + q, value: 230 },
      { meter, quantity: Q.voltageL1, at: t0 + q + 60_000, value: 231 },
      { meter, quantity: Q.voltageL1, at: t0 + 2 * q, value: 232 },
      { meter, quantity: Q.currentL1, at: t0 + q + 120_000, value: 10 },
    ], q);
    assert.deepEqual(snapshots.map((s) => [s.at - t0, [...s.values]]), [
      [q, [[Q.voltageL1, 230]]],
      [2 * q, [[Q.voltageL1, 232], [Q.currentL1, 10]]],
    ]);
  });

  it('gives nothing for no readings', () => {
    assert.deepEqual(intervalSnapshots(meter, [], q), []);
  });
});
