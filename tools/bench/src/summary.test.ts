import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Benchmark, Measurement } from './index.ts';
import { median, summarise } from './summary.ts';

const measurement = (figure: number, reference: number): Measurement => ({
  figure: { label: 'messages per second', value: figure, unit: 'msg/s' },
  reference: { label: 'raw AES-GCM', value: reference, unit: 'msg/s', kind: 'peer' },
  extra: { 'bytes per message': figure / 1000 },
});

const bench = (target: Benchmark['target']): Benchmark => ({
  name: 'example', title: 'Example against its peer', target,
  measure: () => Promise.resolve(measurement(1, 1)),
});

describe('benchmark summary', () => {
  it('takes the median of odd and even counts', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.throws(() => median([]), RangeError);
  });

  it('compares the median figure with the median reference against an at-least target', () => {
    const measurements = [measurement(95, 100), measurement(80, 100), measurement(92, 100)];
    const summary = summarise(bench({ atLeast: 0.9 }), measurements, { date: '2026-11-24', machine: 'test' });
    assert.equal(summary.ratio, 0.92);
    assert.equal(summary.met, true);
    assert.match(summary.text, /ratio 0\.92 \(target ≥ 0\.9\): met/);
    assert.match(summary.markdown, /^### example — 2026-11-24/);
    assert.match(summary.markdown, /\| raw AES-GCM \(peer\) \| 100 msg\/s \|/);
  });

  it('reports a missed at-most target', () => {
    const summary = summarise(bench({ atMost: 1 }), [measurement(0.3, 0.25)], { date: '2026-11-24', machine: 'test' });
    assert.equal(summary.met, false);
    assert.match(summary.text, /MISSED/);
  });
});
