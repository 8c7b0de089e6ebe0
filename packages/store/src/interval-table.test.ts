import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IntervalTableBuilder, intervalSeries, type IntervalTable, type IntervalTableQuery } from './interval-table.ts';
import { intervalMs } from './periods.ts';

const from = Date.UTC(2026, 2, 1);
const length = 40;
const query = (reuse?: IntervalTable): IntervalTableQuery => ({ range: { from, to: from + length * intervalMs }, quantities: ['1-0:1.8.0',
  '1-0:2.8.0'] as never[], meters: ['a', 'b'] as never[], ...(reuse === undefined ? {} : { reuse }) });

/** Reads of one series: positions 0 … length (some left out), register values in steps that grow. */
const series = fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5000 })), { minLength: length + 1, maxLength: length + 1 })
  .map((cells) => {
    let value = 1_000_000;
    return cells.flatMap(([present, growth], position) => { value += growth; return present ? [{ position, value }] : []; });
  });

const cellsOf = (table: IntervalTable) => [0, 1].flatMap((m) => [0, 1].map((q) => {
  const { values, qualities } = intervalSeries(table, m, q);
  return { values: [...values], qualities: [...qualities] };
}));

describe('interval table builder', () => {
  it('takes the same energies in one ordered pass (chunks as runs) as from reads in any order', () => {
    fc.assert(fc.property(fc.array(series, { minLength: 4, maxLength: 4 }), fc.integer(), fc.boolean(), (all, seed, reuse) => {
      const unordered = new IntervalTableBuilder(query(), [1000, 10]);
      const reads = all.flatMap((s, k) => s.map((r) => ({ ...r, m: k >> 1, q: k & 1 })));
      // Any order: a deterministic shuffle by the seed.
      const shuffled = reads.map((r, i) => ({ r, key: Math.sin(seed + i) })).sort((x, y) => x.key - y.key).map((x) => x.r);
      for (const r of shuffled) unordered.read(r.m, r.q, from + r.position * intervalMs, r.value);
      unordered.deltas();
      const expected = cellsOf(unordered.build());
      const ordered = new IntervalTableBuilder(query(reuse ? unordered.build() : undefined), [1000, 10], { ordered: true });
      all.forEach((s, k) => {
        // Runs of consecutive positions go in as one chunk (reads), the rest one by one.
        for (let i = 0; i < s.length;) {
          let j = i + 1;
          while (j < s.length && (s[j]?.position ?? 0) === (s[j - 1]?.position ?? 0) + 1) j++;
          const run = s.slice(i, j);
          const at = Float64Array.from(run, (r) => from + r.position * intervalMs);
          ordered.reads(k >> 1, k & 1, at, Float64Array.from(run, (r) => r.value),
            run.length, run.length > 1 ? intervalMs : 0);
          i = j;
        }
      });
      assert.equal(ordered.outOfOrder, false);
      ordered.deltas();
      assert.deepEqual(cellsOf(ordered.build()), expected);
    }));
  });

  it('says when an ordered read comes before one already given, so the table is read again unordered', () => {
    const builder = new IntervalTableBuilder(query(), [1000, 10], { ordered: true });
    builder.read(0, 0, from + 5 * intervalMs, 100);
    assert.equal(builder.outOfOrder, false);
    builder.read(0, 0, from + 3 * intervalMs, 90);
    assert.equal(builder.outOfOrder, true);
  });
});
