import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runVee } from './run-vee.ts';
import { reconcile } from './reconcile.ts';
import { dayMs, hourMs } from '../grid.ts';
import { loadProfile, meterMeta, monday, quarterHour, registerReads, trueEnergy } from '../testing/mdm-test-kit.ts';

const energy = loadProfile(3);
const meta = meterMeta();
const day = monday + 2 * dayMs;
const allReads = registerReads(day, day + dayMs, energy);
const run = (reads = allReads, extra: Partial<Parameters<typeof runVee>[0]> = {}): ReturnType<typeof runVee> =>
  runVee({ meta, reads, from: day, to: day + dayMs, now: day + dayMs + 60_000, ...extra });

describe('the VEE pipeline', () => {
  it('validates a clean day: every interval its register difference, no finding, 100 % measured', () => {
    const result = run();
    assert.equal(result.intervals.length, 96);
    assert.ok(result.intervals.every((i) => i.quality === 'validated' && i.value === energy(i.at) && i.provenance.length === 0));
    assert.deepEqual(result.findings, []);
    assert.equal(result.days[0]?.energy, trueEnergy(day, day + dayMs, energy));
    assert.equal(result.days[0].completeness.measured, 1);
  });

  it('reports a gap (VEE-GAP) and interpolates a short one linearly within the register delta', () => {
    const gapEnd = day + 10 * hourMs;
    const reads = allReads.filter((r) => r.at !== gapEnd - quarterHour && r.at !== gapEnd - 2 * quarterHour);
    const result = run(reads);
    const gap = result.intervals.filter((i) => i.at > gapEnd - 3 * quarterHour && i.at <= gapEnd);
    assert.deepEqual(gap.map((i) => i.method), ['EST-LINEAR', 'EST-LINEAR', 'EST-LINEAR']);
    assert.deepEqual(gap[0]?.provenance.map((e) => e.rule), ['VEE-GAP', 'EST-LINEAR']);
    assert.equal(gap.reduce((s, i) => s + Math.round((i.value ?? 0) * 1000), 0),
      trueEnergy(gapEnd - 3 * quarterHour, gapEnd, energy) * 1000);
    assert.deepEqual(result.findings.filter((f) => f.rule === 'VEE-GAP').map((f) => [f.at, f.to]), [[gapEnd - 3 * quarterHour, gapEnd]]);
    assert.ok(Math.abs((result.days[0]?.energy ?? 0) - trueEnergy(day, day + dayMs, energy)) < 1e-6);
  });

  it('estimates past the last read without a constraint and flags the day against its register', () => {
    const reads = allReads.filter((r) => r.at <= day + 20 * hourMs);
    const result = run(reads);
    const tail = result.intervals.filter((i) => i.at > day + 20 * hourMs);
    assert.equal(tail.length, 16);
    assert.ok(tail.every((i) => i.quality === 'estimated' && i.method === 'EST-LIKE-DAY'));
    assert.match(tail[0]?.provenance[1]?.reason ?? '', /no register delta known/);
    assert.equal(result.days[0]?.registerDelta, null);
    assert.equal(result.days[0].completeness.measured, 80 / 96);
  });

  it('estimates nothing before the meter\'s data begins: its first read, or its installation', () => {
    const firstRead = day + 14 * hourMs;
    const reads = allReads.filter((r) => r.at >= firstRead);
    const fromFirst = run(reads, { startsAt: firstRead });
    assert.equal(fromFirst.intervals.length, 40);
    assert.ok(fromFirst.intervals.every((i) => i.at > firstRead && i.quality === 'validated'));
    assert.deepEqual(fromFirst.findings, []);
    // Installed two hours before its first read: those eight intervals were the meter's, and are estimated.
    const installed = run(reads, { startsAt: firstRead - 2 * hourMs + 7 * 60_000 });
    assert.deepEqual(installed.intervals.filter((i) => i.quality === 'estimated').map((i) => i.at),
      Array.from({ length: 8 }, (_, k) => firstRead - 2 * hourMs + (k + 1) * quarterHour));
    assert.deepEqual(run(reads, { startsAt: day + dayMs }).intervals, []);
  });

  it('marks the intervals around a read with a doubtful time suspect (VEE-CLOCK-DRIFT)', () => {
    const drifted = day + 5 * hourMs;
    const reads = allReads.map((r) => (r.at === drifted ? { ...r, receivedAt: drifted - 600_000 } : r));
    const result = run(reads);
    const around = result.intervals.filter((i) => i.quality === 'suspect').map((i) => i.at);
    assert.deepEqual(around, [drifted, drifted + quarterHour]);
  });

  it('re-estimates a gap that late data shrinks and names EST-REESTIMATE', () => {
    const gap = (r: { at: number }): boolean => r.at > day + 8 * hourMs && r.at < day + 12 * hourMs;
    const first = run(allReads.filter((r) => !gap(r)));
    // Late data covers all but the last hour of the gap: what is left is four intervals, linear now.
    const late = allReads.filter((r) => !gap(r) || r.at <= day + 11 * hourMs);
    const second = run(late, { now: day + dayMs + hourMs });
    const merged = reconcile(first.intervals, second.intervals, day + dayMs + hourMs);
    const lastHour = merged.filter((i) => i.at > day + 11 * hourMs && i.at <= day + 12 * hourMs);
    assert.ok(lastHour.every((i) => i.method === 'EST-LINEAR' && i.provenance.at(-1)?.rule === 'EST-REESTIMATE'));
    assert.ok(lastHour.every((i) => i.history[0]?.method === 'EST-LIKE-DAY'));
    const filled = merged.filter((i) => i.at > day + 8 * hourMs && i.at <= day + 11 * hourMs);
    assert.ok(filled.every((i) => i.quality === 'validated' && i.provenance.at(-1)?.rule === 'EST-LATE-DATA'));
    const untouched = merged.filter((i) => i.at <= day + 8 * hourMs);
    assert.ok(untouched.every((i) => i.history.length === 0));
  });

  it('refuses an interval that does not divide a day and a range off the grid', () => {
    assert.throws(() => runVee({ meta: meterMeta({ intervalMs: 7 * 60_000 }), reads: [], from: day, to: day + dayMs, now: day }),
      { code: 'PW_ERR_VEE_INPUT' });
    assert.throws(() => runVee({ meta, reads: [], from: day + 1, to: day + dayMs, now: day }), { code: 'PW_ERR_VEE_INPUT' });
    assert.throws(() => runVee({ meta, reads: [{ at: day, value: Number.NaN }], from: day, to: day + dayMs, now: day }),
      { code: 'PW_ERR_VEE_INPUT' });
    assert.throws(() => run(allReads, { parameters: { spikeSigmas: -1 } }), { code: 'PW_ERR_VEE_INPUT' });
  });
});
