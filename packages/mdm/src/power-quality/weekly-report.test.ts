// A worked example checked by hand: a UTC week of 1-minute readings (10 080 readings, 1008 ten-minute
// intervals) with planted deviations, each share computed beside its assertion. Reading m = 1 … 10 080
// ends at from + m minutes and belongs to interval ⌊(m − 1)/10⌋.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseIsoWeek, weekSpan } from './iso-week.ts';
import type { PqReading } from './ten-minute.ts';
import { weeklyPqReport, type WeeklyPqReport } from './weekly-report.ts';

const minute = 60_000;
const week = weekSpan(parseIsoWeek('2026-W02'), 'UTC');
const inInterval = (m: number, first: number, last: number): boolean =>
  Math.floor((m - 1) / 10) >= first && Math.floor((m - 1) / 10) <= last;

function plantedWeek(): PqReading[] {
  const out: PqReading[] = [];
  for (let m = 1; m <= 10_080; m++) {
    if (inInterval(m, 700, 719)) continue; // 20 intervals (200 readings) never arrived
    let voltages: [number, number, number] = [230, 230, 230];
    let unbalance = 0.01;
    let thd: [number, number, number] = [0.03, 0.03, 0.03];
    let frequency = 50;
    if (inInterval(m, 100, 139)) voltages = [230, 200, 230]; // 400 min of L2 at 200 V: one long dip, 87 % of Un
    if (inInterval(m, 300, 359)) unbalance = 0.025; // 60 intervals above 2 %
    if (inInterval(m, 400, 400)) unbalance = m <= 4005 ? 0.01 : 0.028; // RMS √((5·0.01² + 5·0.028²)/10) = 0.02102 > 2 %
    if (inInterval(m, 500, 544)) thd = [0.03, 0.03, 0.09]; // 45 intervals of L3 THD above 8 %
    if (inInterval(m, 600, 604)) frequency = 50.6; // 50 readings outside 50 Hz ± 1 %, inside +4 %
    if (m === 6101) frequency = 46.9; // one reading below 47 Hz (−6 %)
    if (m >= 8001 && m <= 8003) voltages = [5, 5, 5]; // an interruption (< 5 % = 11.5 V on every phase), 3 readings
    if (m === 9001 || m === 9002) voltages = [260, 230, 230]; // a swell (> 110 % = 253 V), 2 readings
    if (m === 9501) voltages = [206, 230, 230]; // a dip below 207 V …
    if (m === 9502) voltages = [210, 230, 230]; // … still on: 210 V is under 90 % + 2 % hysteresis = 211.6 V …
    if (m === 9503) voltages = [212, 230, 230]; // … and over by now
    out.push({ at: week.from + m * minute, voltages, unbalance, thd, frequency });
  }
  return out;
}

const report = weeklyPqReport({ meter: 'pq-1', week, declaredVoltage: 230, nominalFrequency: 50, readings: plantedWeek() });
const criterion = (r: WeeklyPqReport, id: string) => {
  const found = r.criteria.find((c) => c.id === id);
  assert.ok(found !== undefined, id);
  return found;
};
function near(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${what}: ${actual}, expected ${expected}`);
}

describe('the EN 50160 weekly report on a planted week', () => {
  it('counts coverage: 1008 intervals, 20 without data, 4 kinds of flagged intervals', () => {
    assert.equal(report.resolution.readingMs, minute);
    assert.equal(report.resolution.aggregationMs, 10 * minute);
    // 1008 − 20 = 988 intervals with data, 988 / 1008 = 0.98016.
    assert.deepEqual({ ...report.coverage }, { expectedIntervals: 1008, intervalsWithData: 988, flaggedIntervals: 43,
      share: 988 / 1008, readings: 10_080 - 200, expectedReadings: 10_080 });
    // Flagged: the 40 intervals of the long dip (100 … 139), 800 (interruption), 900 (swell), 950 (dip).
    const flagged = report.intervals.flatMap((i, k) => (i.flags.length > 0 ? [k] : []));
    assert.deepEqual(flagged, [...Array.from({ length: 40 }, (_, k) => 100 + k), 800, 900, 950]);
    assert.deepEqual(report.intervals[800]?.flags, ['dip', 'interruption']);
  });

  it('finds the dips, the swell and the interruption with durations, depths and hysteresis', () => {
    assert.deepEqual({ ...report.eventCounts }, { dip: 3, swell: 1, interruption: 1 });
    const at = (m: number): number => week.from + m * minute;
    const brief = report.events.map((e) => ({ kind: e.kind, start: e.start, end: e.end, durationMs: e.durationMs,
      extreme: e.extreme, phases: e.phases }));
    assert.deepEqual(brief, [
      // Readings 1001 … 1400 at 200 V: began within reading 1001 (from + 1000 min), ended within reading 1401: 400 min.
      { kind: 'dip', start: at(1000), end: at(1400), durationMs: 400 * minute, extreme: 200, phases: ['L2'] },
      // Readings 8001 … 8003 at 5 V: both a dip and an interruption (IEC 61000-4-30 evaluates them separately), 3 min.
      { kind: 'dip', start: at(8000), end: at(8003), durationMs: 3 * minute, extreme: 5, phases: ['L1', 'L2', 'L3'] },
      { kind: 'interruption', start: at(8000), end: at(8003), durationMs: 3 * minute, extreme: 5, phases: ['L1', 'L2', 'L3'] },
      { kind: 'swell', start: at(9000), end: at(9002), durationMs: 2 * minute, extreme: 260, phases: ['L1'] },
      // 206 V starts it; 210 V < 211.6 V keeps it; 212 V ends it: 2 min, where a threshold without hysteresis gives 1.
      { kind: 'dip', start: at(9500), end: at(9502), durationMs: 2 * minute, extreme: 206, phases: ['L1'] },
    ]);
    // Depth of the long dip: 1 − 200/230 = 0.130435; of the interruption 1 − 5/230 = 0.978261; the swell 260/230 − 1 = 0.130435.
    near(report.events[0]?.depth ?? null, 1 - 200 / 230, 'dip depth');
    near(report.events[2]?.depth ?? null, 1 - 5 / 230, 'interruption depth');
    near(report.events[3]?.depth ?? null, 260 / 230 - 1, 'swell height');
  });

  it('judges the supply voltage on every interval but the interruption\'s (EN 50160 §4.2.2.2)', () => {
    // 988 with data − 1 interruption = 987 judged. L2: the 40 dip intervals at 200 V are outside 207 … 253 V:
    // 947 / 987 = 0.959473 ≥ 0.95, pass; all within 195.5 … 253 V.
    const l2 = criterion(report, 'voltage-L2');
    assert.deepEqual([l2.evaluated, l2.within, l2.pass, l2.excludes], [987, 947, true, 'interruptions']);
    near(l2.share, 947 / 987, 'voltage L2 share');
    assert.equal(criterion(report, 'voltage-all-L2').share, 1);
    // L1 in interval 900: √((2·260² + 8·230²)/10) = √55 840 = 236.30 V; in 950: √((206² + 210² + 212² + 7·230²)/10) = 224.00 V.
    const l1 = criterion(report, 'voltage-L1');
    assert.deepEqual([l1.within, l1.evaluated], [987, 987]);
    near(report.intervals[900]?.voltages[0] ?? null, Math.sqrt(55_840), 'interval 900 L1');
    near(report.intervals[950]?.voltages[0] ?? null, Math.sqrt(50_178), 'interval 950 L1');
  });

  it('judges unbalance, THD and frequency on the unflagged intervals with RMS aggregation', () => {
    // 988 with data − 43 flagged = 945 judged. Unbalance: 60 intervals at 2.5 % and interval 400, whose
    // RMS √((5·0.0001 + 5·0.000784)/10) = √0.000442 = 0.021024 exceeds 2 % (its arithmetic mean 1.9 % would not):
    // 884 / 945 = 0.935450 < 0.95, fail.
    near(report.intervals[400]?.unbalance ?? null, Math.sqrt(0.000442), 'interval 400 u2');
    const u = criterion(report, 'unbalance');
    assert.deepEqual([u.evaluated, u.within, u.pass, u.excludes], [945, 884, false, 'flagged']);
    // THD L3: 45 intervals at 9 %: 900 / 945 = 0.952381 ≥ 0.95, pass.
    const thd = criterion(report, 'thd-L3');
    assert.deepEqual([thd.evaluated, thd.within, thd.pass], [945, 900, true]);
    near(thd.share, 900 / 945, 'THD L3 share');
    // Frequency, per reading: 945 intervals × 10 = 9450 readings; 50 at 50.6 Hz and one at 46.9 Hz outside 49.5 … 50.5:
    // 9399 / 9450 = 0.994603 < 0.995, fail; outside 47 … 52 Hz only the 46.9: 9449 / 9450, fail (100 % required).
    const f = criterion(report, 'frequency');
    assert.deepEqual([f.evaluated, f.within, f.pass, f.min, f.max], [9450, 9399, false, 46.9, 50.6]);
    const fAll = criterion(report, 'frequency-all');
    assert.deepEqual([fAll.within, fAll.pass], [9449, false]);
    assert.equal(report.pass, false);
  });

  it('leaves out what did not arrive: the same week without the gap has 20 more intervals in every denominator', () => {
    const full = weeklyPqReport({ meter: 'pq-1', week, declaredVoltage: 230, nominalFrequency: 50, readings: plantedWeek().concat(
      Array.from({ length: 200 }, (_, k) => ({ at: week.from + (7001 + k) * minute, voltages: [230, 230, 230] as const, unbalance: 0.01,
        thd: [0.03, 0.03, 0.03] as const, frequency: 50 }))) });
    assert.equal(full.coverage.share, 1);
    assert.equal(criterion(full, 'unbalance').evaluated, 965);
    assert.equal(criterion(full, 'voltage-L2').evaluated, 1007);
  });
});

describe('the report at other resolutions and systems', () => {
  it('takes 15-minute readings as the values, says so, and states a 60 Hz system\'s scaled bands', () => {
    const readings = Array.from({ length: 672 }, (_, k) => ({ at: week.from + (k + 1) * 15 * minute, voltages: [120, 120, 120] as const,
      frequency: 60.5 }));
    const r = weeklyPqReport({ meter: 'us-1', week, declaredVoltage: 120, nominalFrequency: 60, readings });
    assert.equal(r.resolution.aggregationMs, 15 * minute);
    assert.match(r.resolution.basis, /15-minute readings, each taken as one value/);
    assert.equal(r.coverage.expectedIntervals, 672);
    const f = criterion(r, 'frequency');
    // 60 Hz ± 1 % = 59.4 … 60.6 Hz; +4 % / −6 % = 56.4 … 62.4 Hz.
    assert.deepEqual([f.low, f.high, f.share], [59.4, 60.6, 1]);
    assert.match(f.limit, /scaled to 60 Hz/);
    assert.deepEqual([criterion(r, 'frequency-all').low, criterion(r, 'frequency-all').high], [56.4, 62.4]);
    // No unbalance or THD was sent: not judged, so the week cannot pass, and nothing failed.
    assert.equal(criterion(r, 'unbalance').share, null);
    assert.equal(r.pass, null);
  });

  it('states what the readings cannot see', () => {
    // A dip to 70 % is seen in a 60 s reading only when it lasts (1 − 0.81)/(1 − 0.49) × 60 = 22.35 s.
    assert.match(report.resolution.eventLimit, /must last 22\.35 s of one reading/);
    assert.throws(() => weeklyPqReport({ meter: 'x', week, declaredVoltage: 0, nominalFrequency: 50, readings: [] }), /PW_ERR|Udin 0 V/);
  });
});
