import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMeterId, Q } from '@phasewire/core';
import type { ObisCode, Reading } from '@phasewire/core';
import type { MeterStore } from '@phasewire/store';
import { parseIsoWeek, weekSpan } from './iso-week.ts';
import { weeklyPqFromStore } from './weekly-from-store.ts';

const meter = parseMeterId('pq-dense-store-1');
const week = weekSpan(parseIsoWeek('2026-W10'), 'UTC');

/** A store that holds `perQuantity` readings of each quantity in `dense` over the week, and notes what was read. */
function storeWith(dense: readonly ObisCode[], perQuantity: number, read: ObisCode[]): MeterStore {
  const step = (week.to - week.from) / perQuantity;
  return {
    readings: (_meter: unknown, quantity: ObisCode) => {
      read.push(quantity);
      const n = dense.includes(quantity) ? perQuantity : 0;
      return Promise.resolve(Array.from({ length: n }, (_, k): Reading =>
        ({ meter, quantity, at: Math.round(week.from + (k + 1) * step), value: quantity === Q.frequency ? 50 : 230 })));
    },
  } as unknown as MeterStore;
}

test('a week denser than one reading a second is refused, naming the quantity, before the next quantity is read', async () => {
  const read: ObisCode[] = [];
  const options = { meter, week, declaredVoltage: 230, nominalFrequency: 50 };
  await assert.rejects(weeklyPqFromStore(storeWith([Q.voltageL1], 700_000, read), options),
    (error: Error & { code?: string }) => error.code === 'PW_ERR_INVALID_ARGUMENT' && error.message.includes('at most 604800 readings')
      && error.message.includes('found 700000'));
  assert.deepEqual(read, [Q.voltageL1]);
  // One a second is still read and judged.
  const report = await weeklyPqFromStore(storeWith([Q.voltageL1, Q.voltageL2, Q.voltageL3], 604_800, []), options);
  assert.equal(report.intervals.length, 1008);
});
