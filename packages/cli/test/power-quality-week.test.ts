// The EN 50160 weekly report on a week of the meter simulator's scenarios, read back from a SQLite
// meter store, against shares computed by hand from the scenarios' definitions (docs/sensing.md).
// Readings every simulated minute, as the demo's meters send them.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseMeterId, readingsOf } from '@phasewire/core';
import type { Snapshot } from '@phasewire/core';
import { createSimulatedMeter } from '@phasewire/meter';
import { parseIsoWeek, pqReadings, weeklyPqFromStore, weeklyPqReport, weekSpan, type WeeklyPqReport } from '@phasewire/mdm';
import { parseStoreConfig } from '@phasewire/store';
import { openMeterStore } from '@phasewire/store/node';

const minute = 60_000;
const week = weekSpan(parseIsoWeek('2026-W02'), 'Europe/Berlin');

/** One snapshot per simulated minute of the week, the meter started at the week's first instant. */
function simulateWeek(id: string, scenario: string): Snapshot[] {
  const meter = createSimulatedMeter({ meter: parseMeterId(id), scenario, mode: 'phasor', seed: 1, start: week.from });
  const out: Snapshot[] = [];
  for (let at = week.from + minute; at <= week.to; at += minute) out.push(meter.advanceTo(at));
  return out;
}

const criterion = (report: WeeklyPqReport, id: string) => {
  const found = report.criteria.find((c) => c.id === id);
  assert.ok(found !== undefined, id);
  return found;
};

describe('the EN 50160 report on a week of a scenario', { timeout: 120_000 }, () => {
  it('developing-imbalance, Wednesday missing: unbalance within 2 % for 13 of 864 ten-minute values', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-pq-'));
    try {
      const store = await openMeterStore(parseStoreConfig({ kind: 'sqlite', path: join(dir, 'store.db') }), { now: () => week.to });
      const meter = parseMeterId('pq-week-1');
      // Wednesday 7 January (local) never arrives: intervals 288 … 431 of the week, 144 of them.
      const wednesday = { from: week.from + 2 * 86_400_000, to: week.from + 3 * 86_400_000 };
      const kept = simulateWeek(meter, 'developing-imbalance').filter((s) => !(s.at > wednesday.from && s.at <= wednesday.to));
      for (let k = 0; k < kept.length; k += 500) await store.appendSnapshots(kept.slice(k, k + 500));
      const report = await weeklyPqFromStore(store, { meter, week, declaredVoltage: 230, nominalFrequency: 50 });
      await store.close();

      // 7 × 144 = 1008 intervals, 1008 − 144 = 864 with data (85.71 %); 10 080 − 1440 = 8640 readings.
      assert.deepEqual({ ...report.coverage }, { expectedIntervals: 1008, intervalsWithData: 864, flaggedIntervals: 0,
        share: 864 / 1008, readings: 8640, expectedReadings: 10_080 });
      // L3 sinks linearly by δ(t) = 0.08 · t / 3 h and holds at 0.92 × 230 = 211.6 V: inside 207 … 253 V all week, no dip.
      assert.deepEqual({ ...report.eventCounts }, { dip: 0, swell: 0, interruption: 0 });
      for (const p of ['L1', 'L2', 'L3']) assert.deepEqual([criterion(report, `voltage-${p}`).within, criterion(report, `voltage-${p}`)
        .evaluated], [864, 864], p);
      assert.ok(Math.abs((criterion(report, 'voltage-L3').min ?? 0) - 211.6) < 0.01);
      // One phase low by δ with the angles intact: u2 = δ/3, u1 = 1 − δ/3, so VUF = δ/(3 − δ) (2.74 % at δ = 0.08).
      // VUF ≤ 2 % while δ ≤ 0.06/1.02 = 0.058824, i.e. t ≤ 0.058824/0.08 × 180 min = 132.35 min: the ten-minute
      // values ending at 10 … 130 min (13) are within; the one of 130 … 140 min has RMS ≈ δ(135 min) = 0.06 → 2.04 %.
      // Every later value is above. Share 13 / 864 = 1.505 %: fail.
      const u = criterion(report, 'unbalance');
      assert.deepEqual([u.evaluated, u.within, u.pass], [864, 13, false]);
      const vuf = report.intervals.slice(12, 14).map((i) => i.unbalance ?? 0);
      assert.ok((vuf[0] ?? 1) <= 0.02 && (vuf[1] ?? 0) > 0.02 && Math.abs((vuf[1] ?? 0) - 0.06 / 2.94) < 2e-4, `VUF ${vuf.join(', ')}`);
      assert.ok(Math.abs((u.max ?? 0) - 0.08 / 2.92) < 1e-4, `held VUF ${u.max}, expected 0.08/2.92 = 2.74 %`);
      // A clean supply (no harmonics) at 50 Hz: THD 0 and every frequency reading within.
      for (const p of ['L1', 'L2', 'L3']) assert.equal(criterion(report, `thd-${p}`).share, 1);
      assert.deepEqual([criterion(report, 'frequency').evaluated, criterion(report, 'frequency').share], [8640, 1]);
      assert.equal(report.pass, false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('phase-loss: 2016 one-minute dips to 70.71 % on L3, every interval flagged, the voltage still judged', () => {
    // L3 is lost for 30 s at 30 s and every 5 minutes: the reading of (5j min, 5j + 1 min] holds 30 s at 0 V and 30 s at
    // 230 V, RMS 230 · √0.5 = 162.63 V (70.71 %), one dip per 5 minutes: 7 × 24 × 12 = 2016 dips of one reading (60 s).
    const report = weeklyPqReport({ meter: 'pq-week-2', week, declaredVoltage: 230, nominalFrequency: 50,
      readings: pqReadings([simulateWeek('pq-week-2', 'phase-loss').flatMap(readingsOf)]) });
    assert.equal(report.eventCounts.dip, 2016);
    assert.equal(report.eventCounts.interruption, 0);
    const first = report.events[0];
    assert.deepEqual([first?.start, first?.durationMs, first?.phases], [week.from, minute, ['L3']]);
    assert.ok(Math.abs((first?.extreme ?? 0) - 230 * Math.SQRT1_2) < 0.01, `residual ${first?.extreme}`);
    // Two dips in every ten minutes: all 1008 intervals flagged, so unbalance, THD and frequency judge nothing.
    assert.equal(report.coverage.flaggedIntervals, 1008);
    assert.equal(criterion(report, 'unbalance').evaluated, 0);
    assert.equal(criterion(report, 'frequency').share, null);
    // The supply voltage leaves out interruptions only: L3's ten-minute value is 230 · √((8 + 2 · 0.5)/10) = 230 · √0.9 = 218.20 V.
    const l3 = criterion(report, 'voltage-L3');
    assert.deepEqual([l3.evaluated, l3.within], [1008, 1008]);
    assert.ok(Math.abs((l3.min ?? 0) - 230 * Math.sqrt(0.9)) < 0.01, `L3 ${l3.min}`);
    assert.equal(report.pass, null);
  });
});
