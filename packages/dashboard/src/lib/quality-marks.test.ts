import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IntervalPoint } from '@phasewire/api';
import { qualityBands, qualityCounts } from './quality-marks.ts';

const t0 = Date.UTC(2026, 0, 5) / 1000;
const at = (k: number): string => new Date((t0 + k * 900) * 1000).toISOString();
const point = (k: number, quality: IntervalPoint['quality'], rule?: string): IntervalPoint =>
  rule === undefined ? { start: at(k), value: 1, quality } : { start: at(k), value: 1, quality, rule };

describe('qualityBands', () => {
  it('merges consecutive intervals of one quality into one band with their rules', () => {
    const bands = qualityBands([
      point(0, 'valid'), point(1, 'estimated', 'linear'), point(2, 'estimated', 'linear'), point(3, 'estimated', 'profile'),
      point(4, 'valid'), point(5, 'edited', 'manual'),
    ], 900);
    assert.deepEqual(bands, [
      { quality: 'estimated', from: t0 + 900, to: t0 + 4 * 900, count: 3, rules: ['linear', 'profile'] },
      { quality: 'edited', from: t0 + 5 * 900, to: t0 + 6 * 900, count: 1, rules: ['manual'] },
    ]);
  });
  it('splits runs at a change of quality or a gap', () => {
    const bands = qualityBands([point(0, 'estimated'), point(1, 'missing'), point(3, 'missing')], 900);
    assert.deepEqual(bands.map((b) => [b.quality, b.count]), [['estimated', 1], ['missing', 1], ['missing', 1]]);
  });
  it('gives no band for an all-valid day', () => {
    assert.deepEqual(qualityBands([point(0, 'valid'), point(1, 'valid')], 900), []);
  });
});

describe('qualityCounts', () => {
  it('counts every quality', () => {
    assert.deepEqual(qualityCounts([point(0, 'valid'), point(1, 'edited'), point(2, 'edited')]),
      { valid: 1, estimated: 0, edited: 2, failed: 0, missing: 0 });
  });
});
