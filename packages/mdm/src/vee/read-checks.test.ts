import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkReads } from './read-checks.ts';
import { veeParameters } from './parameters.ts';
import { monday, quarterHour } from '../testing/mdm-test-kit.ts';

const p = veeParameters();
const t = (k: number): number => monday + k * quarterHour;

describe('VEE-TIME-FUTURE', () => {
  it('rejects a read stamped after the clock beyond the tolerance', () => {
    const result = checkReads([{ at: t(0), value: 10 }, { at: t(8), value: 20 }], quarterHour, t(4), p);
    assert.deepEqual(result.reads.map((r) => r.at), [t(0)]);
    assert.deepEqual(result.findings.map((f) => [f.rule, f.at, f.action]), [['VEE-TIME-FUTURE', t(8), 'reject']]);
  });

  it('accepts a read up to the tolerance ahead of the clock', () => {
    const result = checkReads([{ at: t(1), value: 10 }], quarterHour, t(1) - 30_000, p);
    assert.equal(result.reads.length, 1);
    assert.deepEqual(result.findings, []);
  });
});

describe('VEE-TIME-GRID', () => {
  it('moves a read a few seconds off the grid onto it and says so', () => {
    const result = checkReads([{ at: t(1) + 3_000, value: 10 }], quarterHour, t(10), p);
    assert.deepEqual(result.reads, [{ at: t(1), value: 10 }]);
    assert.equal(result.findings[0]?.rule, 'VEE-TIME-GRID');
    assert.equal(result.findings[0].action, 'correct');
  });

  it('rejects a read far off the grid', () => {
    const result = checkReads([{ at: t(1) + 120_000, value: 10 }], quarterHour, t(10), p);
    assert.deepEqual(result.reads, []);
    assert.deepEqual(result.findings.map((f) => [f.rule, f.action]), [['VEE-TIME-GRID', 'reject']]);
  });

  it('leaves reads on the grid alone', () => {
    const result = checkReads([{ at: t(1), value: 10 }, { at: t(2), value: 12 }], quarterHour, t(10), p);
    assert.equal(result.reads.length, 2);
    assert.deepEqual(result.findings, []);
  });
});

describe('VEE-DUPLICATE', () => {
  it('keeps one of several reads with the same time and value', () => {
    const result = checkReads([{ at: t(1), value: 10 }, { at: t(1), value: 10 }, { at: t(2), value: 11 }], quarterHour, t(10), p);
    assert.deepEqual(result.reads.map((r) => r.at), [t(1), t(2)]);
    assert.deepEqual(result.findings.map((f) => [f.rule, f.at, f.action]), [['VEE-DUPLICATE', t(1), 'drop']]);
  });

  it('keeps the conflicting read that fits between its neighbours', () => {
    const reads = [{ at: t(0), value: 100 }, { at: t(1), value: 9_999 }, { at: t(1), value: 105 }, { at: t(2), value: 110 }];
    const result = checkReads(reads, quarterHour, t(10), p);
    assert.deepEqual(result.reads.map((r) => r.value), [100, 105, 110]);
    assert.equal(result.findings[0]?.rule, 'VEE-DUPLICATE');
    assert.equal(result.findings[0].action, 'reject');
    assert.match(result.findings[0].reason, /only 105 lies between/);
  });

  it('keeps the first received when both conflicting reads fit', () => {
    const reads = [{ at: t(0), value: 100 }, { at: t(1), value: 107, receivedAt: t(3) }, { at: t(1), value: 105, receivedAt: t(2) },
      { at: t(2), value: 110 }];
    assert.deepEqual(checkReads(reads, quarterHour, t(10), p).reads.map((r) => r.value), [100, 105, 110]);
  });

  it('reports nothing when every time is unique', () => {
    assert.deepEqual(checkReads([{ at: t(1), value: 1 }, { at: t(2), value: 2 }], quarterHour, t(10), p).findings, []);
  });
});

describe('VEE-CLOCK-DRIFT', () => {
  it('marks a read stamped after it was received: the meter clock runs ahead', () => {
    const reads = [{ at: t(1), value: 1, receivedAt: t(1) - 300_000 }, { at: t(2), value: 2, receivedAt: t(2) + 5_000 }];
    const result = checkReads(reads, quarterHour, t(10), p);
    assert.deepEqual([...result.suspectTimes], [t(1)]);
    assert.deepEqual(result.findings.map((f) => [f.rule, f.at, f.action]), [['VEE-CLOCK-DRIFT', t(1), 'suspect']]);
    assert.match(result.findings[0]?.reason ?? '', /ahead/);
  });

  it('marks reads whose send time by the meter clock is far behind their receive time', () => {
    const reads = [{ at: t(2), value: 1, sentAt: t(2) + 1_000, receivedAt: t(2) + 301_000 },
      { at: t(3), value: 2, sentAt: t(3) + 1_000, receivedAt: t(3) + 3_000 }];
    const result = checkReads(reads, quarterHour, t(10), p);
    assert.deepEqual([...result.suspectTimes], [t(2)]);
    assert.match(result.findings[0]?.reason ?? '', /300000 ms behind/);
  });

  it('does not judge backfilled reads by their age', () => {
    const received = t(80);
    const reads = Array.from({ length: 40 }, (_, k) => ({ at: t(k + 1), value: k, sentAt: received - 500, receivedAt: received }));
    const result = checkReads(reads, quarterHour, t(81), p);
    assert.equal(result.suspectTimes.size, 0);
    assert.deepEqual(result.findings, []);
  });
});
