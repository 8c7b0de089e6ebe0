// A replayed week with everything that makes a logger's daily kWh wrong: a counter that wraps, a
// meter exchange, a bad read that shows as a huge spike and negative energy, a six-hour outage, and
// then the outage's data arriving late. VEE must give the true energy of every day, and every value
// it changed must name the rule that changed it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { wattHours } from '@phasewire/core';
import { runVee } from './run-vee.ts';
import { reconcile } from './reconcile.ts';
import { dayMs, hourMs, weekMs } from '../grid.ts';
import { loadProfile, meterMeta, monday, quarterHour, trueEnergy } from '../testing/mdm-test-kit.ts';
import type { FinalInterval, RegisterRead } from '../types.ts';

const modulus = 1e8;
const energy = loadProfile(11);
const week5 = monday + 4 * weekMs; // Monday 2024-01-29
const rolloverAt = week5 + dayMs + 10 * hourMs; // Tuesday 10:00
const exchangeAt = week5 + 2 * dayMs + 14 * hourMs; // Wednesday 14:00
const glitchAt = week5 + 3 * dayMs + 11 * hourMs; // Thursday 11:00
const surgeAt = week5 + 3 * dayMs + 16 * hourMs; // Thursday 16:00
const outage = { from: week5 + 4 * dayMs + 8 * hourMs, to: week5 + 4 * dayMs + 14 * hourMs }; // Friday 08:00–14:00
const end = week5 + weekMs;

/** True energy per interval: the load profile, with a real threefold surge on Thursday at 16:00. */
const trueOf = (at: number): number => (at === surgeAt ? 3 * energy(at) : energy(at));

/** Cumulative true energy from the start of the data to `at`. */
const cumulative = new Map<number, number>();
{
  let sum = 0;
  cumulative.set(monday, 0);
  for (let at = monday + quarterHour; at <= end; at += quarterHour) {
    sum += trueOf(at);
    cumulative.set(at, sum);
  }
}
const cum = (at: number): number => cumulative.get(at) as number;

// The old meter starts where its register will wrap at Tuesday 10:00, half-way through that interval.
const oldStart = modulus - cum(rolloverAt) + Math.round(trueOf(rolloverAt) / 2);
// At the exchange the old meter is removed 40 % into the 13:45–14:00 interval; the new one starts at 5 Wh.
const beforeExchange = exchangeAt - quarterHour;
const oldShare = Math.round(trueOf(exchangeAt) * 0.4);
const oldFinalRead = (oldStart + cum(beforeExchange) + oldShare) % modulus;
const newInitialRead = 5;
const newValue = (at: number): number => newInitialRead + (cum(at) - cum(beforeExchange) - oldShare);

function reads(): RegisterRead[] {
  const list: RegisterRead[] = [];
  for (let at = monday; at <= end; at += quarterHour) {
    const inOutage = at > outage.from && at < outage.to;
    if (inOutage) continue;
    const old = at < exchangeAt;
    let value = old ? (oldStart + cum(at)) % modulus : newValue(at);
    if (at === glitchAt) value += 7_000_000;
    list.push({ at, value, serial: old ? 'OLD-0001' : 'NEW-0002', receivedAt: at + 2_000 });
  }
  return list;
}

function lateReads(): RegisterRead[] {
  const list: RegisterRead[] = [];
  for (let at = outage.from + quarterHour; at < outage.to; at += quarterHour) {
    list.push({ at, value: newValue(at), serial: 'NEW-0002', receivedAt: outage.to + 2 * hourMs });
  }
  return list;
}

const meta = meterMeta({
  registerModulus: wattHours(modulus),
  exchanges: [{ at: exchangeAt - 6 * 60_000, oldSerial: 'OLD-0001', newSerial: 'NEW-0002', oldFinalRead, newInitialRead }],
});

// Four clean weeks first: the history that spikes and like days are judged against.
const history = runVee({ meta, reads: reads().filter((r) => r.at <= week5), from: monday, to: week5, now: week5 + 60_000 });
const firstRun = runVee({ meta, reads: reads(), from: week5, to: end, now: end + 60_000, history: history.intervals });
const secondRun =
  runVee({ meta, reads: [...reads(), ...lateReads()], from: week5, to: end, now: end + 3 * hourMs, history: history.intervals });
const reconciled = reconcile(firstRun.intervals, secondRun.intervals, end + 3 * hourMs);

const byAt = (list: readonly FinalInterval[], at: number): FinalInterval => {
  const found = list.find((i) => i.at === at);
  assert.ok(found !== undefined, `no interval ending at ${new Date(at).toISOString()}`);
  return found;
};
const rules = (interval: FinalInterval): string[] => interval.provenance.map((e) => e.rule);
const close = (actual: number | null, expected: number, what: string): void => {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-6, `${what}: ${actual} is not ${expected}`);
};

describe('a replayed week with a rollover, an exchange, a bad read, a surge, an outage and late data', () => {
  it('shows what a logger would: a negative interval, a huge spike and a gap', () => {
    assert.ok((byAt(firstRun.intervals, rolloverAt).raw ?? 0) < -modulus / 2);
    assert.ok((byAt(firstRun.intervals, glitchAt).raw ?? 0) > 6_000_000);
    assert.ok((byAt(firstRun.intervals, glitchAt + quarterHour).raw ?? 0) < -6_000_000);
    assert.equal(byAt(firstRun.intervals, outage.from + hourMs).raw, null);
  });

  it('gives the true energy of every day, before and after the late data', () => {
    assert.equal(firstRun.days.length, 7);
    for (const run of [firstRun, secondRun]) {
      for (const day of run.days) {
        close(day.energy, trueEnergy(day.day, day.day + dayMs, trueOf), `energy of ${new Date(day.day).toISOString()}`);
      }
    }
    close(reconciled.reduce((sum, i) => sum + (i.value ?? 0), 0), trueEnergy(week5, end, trueOf), 'energy of the week');
  });

  it('corrects the wrap at the modulus exactly and names VEE-ROLLOVER', () => {
    const interval = byAt(firstRun.intervals, rolloverAt);
    assert.equal(interval.value, trueOf(rolloverAt));
    assert.equal(interval.quality, 'validated');
    assert.deepEqual(interval.provenance.map(({ rule, from, to, quality }) => ({ rule, from, to, quality })), [
      { rule: 'VEE-ROLLOVER', from: interval.raw, to: trueOf(rolloverAt), quality: 'validated' },
    ]);
  });

  it('computes the exchange interval from the old tail and the new head and names VEE-METER-EXCHANGE', () => {
    const interval = byAt(firstRun.intervals, exchangeAt);
    assert.equal(interval.value, trueOf(exchangeAt));
    assert.deepEqual(interval.provenance.map(({ rule, from, to, quality }) => ({ rule, from, to, quality })), [
      { rule: 'VEE-METER-EXCHANGE', from: interval.raw, to: trueOf(exchangeAt), quality: 'validated' },
    ]);
    assert.match(interval.provenance[0]?.reason ?? '', /old meter .* plus new meter/);
  });

  it('rejects the bad read and fills its two intervals linearly, summing exactly to the register delta', () => {
    const pair = [byAt(firstRun.intervals, glitchAt), byAt(firstRun.intervals, glitchAt + quarterHour)];
    for (const interval of pair) {
      assert.equal(interval.quality, 'estimated');
      assert.equal(interval.method, 'EST-LINEAR');
      assert.deepEqual(rules(interval), ['VEE-REGISTER-BACKWARDS', 'EST-LINEAR']);
      assert.equal(interval.provenance[0]?.from, interval.raw);
      assert.equal(interval.provenance[0].to, null);
      assert.equal(interval.provenance[1]?.to, interval.value);
    }
    const units = pair.reduce((sum, i) => sum + Math.round((i.value ?? 0) * 1000), 0);
    assert.equal(units, (trueOf(glitchAt) + trueOf(glitchAt + quarterHour)) * 1000);
  });

  it('flags the real surge as a spike against the same weekday but keeps the energy the register proves', () => {
    const interval = byAt(firstRun.intervals, surgeAt);
    assert.equal(interval.value, trueOf(surgeAt));
    assert.equal(interval.quality, 'suspect');
    assert.deepEqual(rules(interval), ['VEE-SPIKE']);
  });

  it('fills the six-hour outage from the like-day profile, scaled exactly to the register delta', () => {
    const gap = firstRun.intervals.filter((i) => i.at > outage.from && i.at <= outage.to);
    assert.equal(gap.length, 24);
    for (const interval of gap) {
      assert.equal(interval.quality, 'estimated');
      assert.equal(interval.method, 'EST-LIKE-DAY');
      assert.deepEqual(rules(interval), ['VEE-GAP', 'EST-LIKE-DAY']);
      assert.match(interval.provenance[1]?.reason ?? '', /scaled to the register delta/);
    }
    const units = gap.reduce((sum, i) => sum + Math.round((i.value ?? 0) * 1000), 0);
    assert.equal(units, trueEnergy(outage.from, outage.to, trueOf) * 1000);
    // The profile shape, not a flat line: the estimate rises towards midday like the like days.
    assert.ok((gap[16]?.value ?? 0) > 1.5 * (gap[0]?.value ?? 0));
  });

  it('replaces the estimates by the late measured values, names EST-LATE-DATA and keeps the estimates in the history', () => {
    const gap = reconciled.filter((i) => i.at > outage.from && i.at <= outage.to);
    for (const interval of gap) {
      const estimate = byAt(firstRun.intervals, interval.at);
      assert.equal(interval.value, trueOf(interval.at));
      assert.equal(interval.quality, 'validated');
      assert.equal(interval.method, undefined);
      assert.deepEqual(interval.provenance.map(({ rule, from, to, quality }) => ({ rule, from, to, quality })), [
        { rule: 'EST-LATE-DATA', from: estimate.value, to: trueOf(interval.at), quality: 'validated' },
      ]);
      assert.deepEqual(interval.history.map((h) => [h.value, h.quality, h.method]), [[estimate.value, 'estimated', 'EST-LIKE-DAY']]);
    }
    const friday = secondRun.days[4];
    assert.equal(friday?.completeness.measured, 1);
  });

  it('leaves every other interval as measured, and every changed value names its rule', () => {
    const changed = new Set([rolloverAt, exchangeAt, glitchAt, glitchAt + quarterHour, surgeAt]);
    for (const interval of firstRun.intervals) {
      const inOutage = interval.at > outage.from && interval.at <= outage.to;
      if (changed.has(interval.at) || inOutage) {
        assert.ok(interval.provenance.length > 0, `interval ${interval.at} changed without provenance`);
        continue;
      }
      assert.equal(interval.quality, 'validated');
      assert.equal(interval.value, trueOf(interval.at));
      assert.equal(interval.value, interval.raw);
      assert.deepEqual(interval.provenance, []);
    }
  });

  it('reports the completeness of Friday with and without estimates', () => {
    const friday = firstRun.days[4];
    assert.equal(friday?.completeness.expected, 96);
    assert.equal(friday.completeness.counts.estimated, 24);
    assert.equal(friday.completeness.measured, 72 / 96);
    assert.equal(friday.completeness.withValue, 1);
  });

  it('agrees with the register every day, so VEE-INTERVAL-REGISTER stays silent', () => {
    assert.ok(!firstRun.findings.some((f) => f.rule === 'VEE-INTERVAL-REGISTER'));
    for (const day of firstRun.days) assert.notEqual(day.registerDelta, null);
  });
});
