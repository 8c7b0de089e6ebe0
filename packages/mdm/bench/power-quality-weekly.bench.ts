// The EN 50160 weekly report of one meter (weeklyPqFromStore: read the week's 12 quantities from the
// store, join them per reading, compute VUF per reading, aggregate to 1008 ten-minute values, detect
// events, judge the 12 criteria) against a plain read of the same rows in the same run: the same 12
// MeterStore.readings calls over the same range, every value summed in a loop. The ratio is what the
// report costs above getting its data out of the store.
//
// Data: a week (2026-W02, Europe/Berlin) of readings a minute apart, as the demo's meters send them:
// 10,080 readings × 12 quantities = 120,960 rows in a SQLite store, written through the store's API in
// batches of an hour and compacted by maintain() as in operation. The supply dips every 5 minutes on
// L3 (2016 events), so event detection and flagging do their full work. The target (≤ 2× the plain
// read) is this benchmark's own: PERFORMANCE.md sets none for power quality. The report runs on the
// API's event loop on each request, so it must stay well under a second.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, type Benchmark } from '@phasewire/bench';
import { parseMeterId, Q, type ObisCode, type Reading } from '@phasewire/core';
import { parseStoreConfig, type MeterStore } from '@phasewire/store';
import { openMeterStore } from '@phasewire/store/node';
import { parseIsoWeek, weekSpan } from '../src/power-quality/iso-week.ts';
import { weeklyPqFromStore, weeklyPqQuantities } from '../src/power-quality/weekly-from-store.ts';

const minute = 60_000;
const week = weekSpan(parseIsoWeek('2026-W02'), 'Europe/Berlin');
const meter = parseMeterId('pq-bench-1');

function readingsOfMinute(m: number): Reading[] {
  const at = week.from + m * minute;
  const l3 = m % 5 === 1 ? 162.6 : 229 + ((m * 7919) % 40) / 10;
  const values: [ObisCode, number][] = [
    [Q.voltageL1, 230.4], [Q.voltageL2, 229.8], [Q.voltageL3, l3], [Q.angleVoltageL2, 120.1], [Q.angleVoltageL3, 239.7],
    [Q.voltageL1L2, 398.6], [Q.voltageL2L3, 397.9], [Q.voltageL3L1, 399.1], [Q.voltageThdL1, 0.031], [Q.voltageThdL2, 0.029],
    [Q.voltageThdL3, 0.034], [Q.frequency, 50 + ((m % 13) - 6) / 1000],
  ];
  return values.map(([quantity, value]) => ({ meter, quantity, at, value }));
}

async function storeOfWeek(dir: string): Promise<MeterStore> {
  const store = await openMeterStore(parseStoreConfig({ kind: 'sqlite', path: join(dir, 'store.db') }),
    { now: () => week.to + 2 * 86_400_000 });
  for (let m = 1; m <= 10_080; m += 60) {
    await store.appendReadings(Array.from({ length: 60 }, (_, k) => readingsOfMinute(m + k)).flat());
  }
  await store.maintain();
  return store;
}

async function timed<T>(work: () => Promise<T>): Promise<{ readonly ms: number; readonly result: T }> {
  const start = process.hrtime.bigint();
  const result = await work();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

const benchmark: Benchmark = {
  name: 'power-quality-weekly',
  title: 'EN 50160 weekly report of one meter from a week of 1-minute readings (120,960 rows, SQLite), against a plain read of them',
  target: { atMost: 2 },
  runs: 3,
  async measure() {
    const dir = mkdtempSync(join(tmpdir(), 'pw-bench-pq-'));
    const store = await storeOfWeek(dir);
    try {
      const options = { meter, week, declaredVoltage: 230, nominalFrequency: 50 };
      const range = { from: week.from + 1, to: week.to + 1 };
      const plain = async (): Promise<number> => {
        let sum = 0;
        for (const series of await Promise.all(weeklyPqQuantities.map((q) => store.readings(meter, q, range)))) {
          for (const r of series) sum += r.value;
        }
        return sum;
      };
      await weeklyPqFromStore(store, options);
      await plain();
      const report: number[] = [];
      const read: number[] = [];
      let rows = 0;
      let events = 0;
      for (let round = 0; round < 5; round++) {
        const r = await timed(() => weeklyPqFromStore(store, options));
        const p = await timed(plain);
        report.push(r.ms);
        read.push(p.ms);
        rows = r.result.coverage.readings * weeklyPqQuantities.length;
        events = r.result.events.length;
      }
      return {
        figure: { label: 'weekly report, one meter', value: median(report), unit: 'ms' },
        reference: { label: 'plain read of the same rows', value: median(read), unit: 'ms', kind: 'limit' },
        extra: { rows, events },
      };
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
