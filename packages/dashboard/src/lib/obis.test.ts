import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OBIS } from './obis.ts';

// The dashboard may not import core at run time (not even in tests: the dependency rule), so this
// checks the copied codes against the structure of IEC 62056-61 value group C: L2 is L1 + 20, L3 is
// L1 + 40, and per-phase angles sit in C = 81 with E naming the pair.
function groupC(code: string): number {
  const match = /^1-0:(\d+)\.(\d+)\.(\d+)$/.exec(code);
  assert.ok(match, `${code} is an OBIS code of medium 1, channel 0`);
  return Number(match[1]);
}

describe('the dashboard OBIS codes', () => {
  it('put L2 and L3 twenty and forty above L1 for voltage, current and power factor', () => {
    for (const base of ['voltage', 'current', 'powerFactor'] as const) {
      const l1 = groupC(OBIS[`${base}L1`]);
      assert.equal(groupC(OBIS[`${base}L2`]), l1 + 20, base);
      assert.equal(groupC(OBIS[`${base}L3`]), l1 + 40, base);
    }
  });
  it('keep every angle in group C 81 and every code distinct', () => {
    for (const key of ['angleVoltageL2', 'angleVoltageL3', 'angleCurrentL1', 'angleCurrentL2', 'angleCurrentL3'] as const) {
      assert.equal(groupC(OBIS[key]), 81, key);
    }
    assert.equal(new Set(Object.values(OBIS)).size, Object.keys(OBIS).length);
  });
});
