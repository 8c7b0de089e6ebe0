// The conformance suite of MeterStore.intervalTable: for every meter, quantity and interval, the
// table holds what `intervals` gives for that meter alone, whether the reads are recent or compacted,
// with stages written over them, gaps, and meters that never sent anything.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, parseMeterId, Q, type MeterId, type ObisCode, type Reading } from '@phasewire/core';
import { intervalSeries, qualityOfCode } from '../interval-table.ts';
import type { MeterStore } from '../meter-store.ts';
import { dayMs, intervalMs } from '../periods.ts';
import { day0, type StoreTarget } from './store-conformance.ts';

const quantities: readonly ObisCode[] = [Q.activeEnergyImport, Q.activeEnergyExport, Q.reactiveEnergyImport, Q.reactiveEnergyExport];
let databases = 0;

/** Two days of reads for each meter and quantity, with a gap in meter 2's import. */
function reads(meters: readonly MeterId[], from: number, count: number): Reading[] {
  const out: Reading[] = [];
  meters.forEach((meter, m) => { quantities.forEach((quantity, q) => {
    for (let i = 0; i <= count; i++) {
      if (m === 1 && q === 0 && i >= 10 && i < 14) continue;
      out.push({ meter, quantity, at: from + i * intervalMs, value: 1000 * (m + 1) + i * (q + 1) * 12.5 + (i % 7) * 0.1 });
    }
  }); });
  return out;
}

async function assertSameAsIntervals(store: MeterStore, meters: readonly MeterId[], from: number, to: number): Promise<void> {
  const table = await store.intervalTable({ range: { from, to }, quantities, meters });
  assert.equal(table.length, (to - from) / intervalMs);
  for (const [m, meter] of meters.entries()) {
    for (const [q, quantity] of quantities.entries()) {
      const expected = await store.intervals(meter, quantity, { from, to });
      const { values, qualities } = intervalSeries(table, m, q);
      const got = [...values].map((v, i) => ({ value: Number.isNaN(v) ? null : v, quality: qualityOfCode(qualities[i] ?? 0) }));
      assert.deepEqual(got, expected.map((e) => ({ value: e.value, quality: e.quality })), `${meter} ${quantity}`);
    }
  }
}

export function intervalTableConformance(name: string, target: StoreTarget): void {
  void describe(`MeterStore conformance, interval table: ${name}`, () => {
    void it('gives each meter what its own intervals query gives, recent and compacted, with stages, gaps and unknown meters', async () => {
      const clock = new ManualClock(day0 + 3 * dayMs);
      const store = await target.open(`interval_table_${++databases}`, { clock });
      const meters = [parseMeterId('meter-t1'), parseMeterId('meter-t2'), parseMeterId('meter-t3')];
      // Day 0 is compacted by maintain(); day 2 stays recent.
      await store.appendReadings(reads(meters.slice(0, 2), day0, 96));
      await store.maintain();
      await store.appendReadings(reads(meters.slice(0, 2), day0 + 2 * dayMs, 48));
      await store.writeIntervals([
        { meter: meters[0] ?? meters[1] ?? parseMeterId('x'), quantity: Q.activeEnergyImport, end: day0 + 5 * intervalMs, stage: 'final',
          value: 7, quality: 'edited' },
        { meter: meters[1] ?? parseMeterId('x'), quantity: Q.activeEnergyImport, end: day0 + 12 * intervalMs, stage: 'validated',
          value: 4, quality: 'estimated' },
        { meter: meters[1] ?? parseMeterId('x'), quantity: Q.reactiveEnergyImport, end: day0 + 2 * dayMs + intervalMs, stage: 'validated',
          value: null, quality: 'missing' },
      ], { kind: 'person', person: 'ed', reason: 'meter test' });
      const asked = [...meters, parseMeterId('meter-never')];
      await assertSameAsIntervals(store, asked, day0, day0 + dayMs);
      await assertSameAsIntervals(store, asked, day0 + dayMs - 8 * intervalMs, day0 + 2 * dayMs + 16 * intervalMs);
      await assertSameAsIntervals(store, [meters[1] ?? parseMeterId('x')], day0 + 2 * dayMs, day0 + 3 * dayMs);
      const empty = await store.intervalTable({ range: { from: day0, to: day0 + dayMs }, quantities, meters: [] });
      assert.deepEqual([empty.values.length, empty.length], [0, 96]);
      await store.close();
    });
  });
}
