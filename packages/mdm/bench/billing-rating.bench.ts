// Rating alone, in memory: billing determinants and the bill for 10,000 meters × one month of
// 15-minute data (March 2026 in Europe/Berlin: 2,972 intervals, the spring DST day included) on the
// commercial ToU sample tariff (three buckets, seasons, holidays, a 15-minute demand charge, feed-in,
// a levy and VAT), against a plain loop over the same interval arrays in the same run that only adds
// up each interval's four values: the least any determinant code must do to read the data. The
// ratio is what placing each interval in its ToU bucket, the demand maxima, the quality counts and
// the exact decimal rating cost above reading the data. The store's part (T12: determinants against
// one aggregate query over the same rows) belongs to the bill-run benchmark; this one isolates the
// pure engine. 200 distinct meter series are built once and each is rated 50 times, so the data
// stays in memory (10,000 × 2,972 interval objects would take some 3 GB).
//
// The target (≤ 15× the plain loop) is this benchmark's own: PERFORMANCE.md sets none for rating
// alone. Per interval the engine does what the loop does plus a slot index, five typed-array writes,
// a bucket lookup, a quality count and one or two demand-window reads; about ten times the loop is
// what that costs, and a regression past 15× is worth a look.
import { median, type Benchmark } from '@phasewire/bench';
import { intervalSeries, sampleTariff } from '../src/testing/billing-fixtures.ts';
import { rateBill } from '../src/billing/rate-bill.ts';
import type { IntervalInput } from '../src/billing/types.ts';

const meters = 10_000;
const series = 200;
const period = { start: '2026-03-01', end: '2026-04-01' };
const tariff = sampleTariff('commercial-tou-berlin');

/** A deterministic office-like load: base load, a working-hours plateau, some export at midday, a meter's own scale. */
function meterSeries(index: number): IntervalInput[] {
  const scale = 0.5 + (index % 17) / 8;
  return intervalSeries(tariff, period, (p) => {
    const working = p.minute >= 7 * 60 && p.minute < 19 * 60;
    const wobble = ((p.slot * 7919 + index * 104_729) % 1000) / 1000;
    const importWh = Math.round((working ? 900 : 250) * scale * (0.8 + 0.4 * wobble) * 1000) / 1000;
    const exportWh = p.minute >= 11 * 60 && p.minute < 14 * 60 ? Math.round(120 * wobble * 1000) / 1000 : 0;
    const quality = wobble < 0.01 ? 'estimated' : 'validated';
    return { importWh, exportWh, reactiveImportVarh: importWh * 0.35, reactiveExportVarh: 0, quality };
  });
}

const data = Array.from({ length: series }, (_, i) => meterSeries(i));

function plainLoop(): number {
  let checksum = 0;
  for (let m = 0; m < meters; m++) {
    const intervals = data[m % series] as IntervalInput[];
    let imp = 0;
    let exp = 0;
    let q1 = 0;
    let q2 = 0;
    for (const i of intervals) {
      imp += i.importWh;
      exp += i.exportWh ?? 0;
      q1 += i.reactiveImportVarh ?? 0;
      q2 += i.reactiveExportVarh ?? 0;
    }
    checksum += imp + exp + q1 + q2;
  }
  return checksum;
}

function rateAll(): number {
  let checksum = 0;
  for (let m = 0; m < meters; m++) checksum += rateBill(tariff, period, data[m % series] as IntervalInput[]).total.minor;
  return checksum;
}

function timed(work: () => number): { readonly ms: number; readonly checksum: number } {
  const start = process.hrtime.bigint();
  const checksum = work();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, checksum };
}

const benchmark: Benchmark = {
  name: 'billing-rating',
  title: 'Determinants + rating of 10,000 meters × one month of 15-min data in memory, against a plain loop summing the same arrays',
  target: { atMost: 15 },
  runs: 3,
  measure() {
    rateAll();
    plainLoop();
    // Interleaved, three rounds each; the median of each.
    const rating: number[] = [];
    const plain: number[] = [];
    for (let round = 0; round < 3; round++) {
      rating.push(timed(rateAll).ms);
      plain.push(timed(plainLoop).ms);
    }
    const ratingMs = median(rating);
    const plainMs = median(plain);
    return Promise.resolve({
      figure: { label: 'determinants + rating, 10,000 meter-months', value: ratingMs, unit: 'ms' },
      reference: { label: 'plain loop summing the same intervals', value: plainMs, unit: 'ms', kind: 'peer' },
      extra: {
        microsecondsPerBill: (ratingMs * 1000) / meters,
        nanosecondsPerInterval: (ratingMs * 1e6) / (meters * (data[0]?.length ?? 1)),
        intervalsPerMeter: data[0]?.length ?? 0,
      },
    });
  },
};

export default benchmark;
