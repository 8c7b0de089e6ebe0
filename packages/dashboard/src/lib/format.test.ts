import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatAge, formatEnergy, formatPercent, formatTime, formatValue } from './format.ts';

describe('formatValue', () => {
  it('uses the decimals of the unit', () => {
    assert.equal(formatValue(231.44, 'V'), '231.4 V');
    assert.equal(formatValue(5.126, 'A'), '5.13 A');
    assert.equal(formatValue(0.9512, ''), '0.951');
    assert.equal(formatValue(-120.04, 'deg'), '-120.0°');
  });
  it('shows a dash for missing or non-finite values and never a negative zero', () => {
    assert.equal(formatValue(null, 'V'), '—');
    assert.equal(formatValue(Number.NaN, 'V'), '—');
    assert.equal(formatValue(Number.POSITIVE_INFINITY, 'A'), '—');
    assert.equal(formatValue(-0.001, 'V'), '0.0 V');
  });
});

describe('formatPercent and formatEnergy', () => {
  it('turns ratios into percentages', () => {
    assert.equal(formatPercent(0.979), '97.9 %');
    assert.equal(formatPercent(null), '—');
  });
  it('shows kWh below a MWh and MWh above', () => {
    assert.equal(formatEnergy(12_345), '12.3 kWh');
    assert.equal(formatEnergy(2_500_000), '2.50 MWh');
  });
});

describe('formatAge and formatTime', () => {
  const now = Date.UTC(2026, 0, 5, 12);
  it('says how long ago, coarsely', () => {
    assert.equal(formatAge(new Date(now - 2000).toISOString(), now), 'just now');
    assert.equal(formatAge(new Date(now - 42_000).toISOString(), now), '42 s ago');
    assert.equal(formatAge(new Date(now - 5 * 60_000).toISOString(), now), '5 min ago');
    assert.equal(formatAge(new Date(now - 3 * 3_600_000).toISOString(), now), '3 h ago');
    assert.equal(formatAge(new Date(now - 2 * 86_400_000).toISOString(), now), '2 d ago');
    assert.equal(formatAge(null, now), 'never');
    assert.equal(formatAge('not a time', now), 'unknown');
  });
  it('prints UTC to the minute', () => {
    assert.equal(formatTime('2026-01-05T13:45:12.000Z'), '2026-01-05 13:45 UTC');
    assert.equal(formatTime(null), '—');
  });
});
