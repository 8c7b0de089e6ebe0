import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMinor, formatShare } from './money.ts';

test('minor units show exactly, credits with a minus, currencies without minor units whole', () => {
  assert.equal(formatMinor(23_320), '233.20');
  assert.equal(formatMinor(-5), '-0.05');
  assert.equal(formatMinor(0), '0.00');
  assert.equal(formatMinor(1234, 0), '1234');
  assert.equal(formatMinor(9_007_199_254_740_991), '90071992547409.91');
  assert.equal(formatShare(0.9876), '98.8 %');
});
