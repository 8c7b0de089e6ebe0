// The 10-minute aggregation (ten-minute.ts): RMS per phase that neither overflows nor loses the
// ordinary case's value.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, type PqReading } from './ten-minute.ts';

const reading = (at: number, v: number): PqReading => ({ at, voltages: [v, v, v] });

describe('ten-minute aggregation', () => {
  it('gives the RMS of ordinary values: √((230² + 240²) / 2)', () => {
    const [interval] = aggregate([reading(60_000, 230), reading(120_000, 240)], 0, 600_000, 600_000);
    const expected = Math.sqrt((230 ** 2 + 240 ** 2) / 2);
    assert.ok(Math.abs((interval?.voltages[0] ?? 0) - expected) < 1e-9, String(interval?.voltages[0]));
  });

  it('keeps a value whose square would overflow finite: 1e308 and 0 give 1e308/√2', () => {
    const [interval] = aggregate([reading(60_000, 1e308), reading(120_000, 0)], 0, 600_000, 600_000);
    const value = interval?.voltages[0] ?? Number.NaN;
    assert.ok(Number.isFinite(value), String(value));
    assert.ok(Math.abs(value / (1e308 / Math.SQRT2) - 1) < 1e-12, String(value));
  });
});
