import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { add, cmp, decimal, div, integer, minorToDecimal, mul, roundToInteger, scaled, toDecimal, toMinor } from './decimal.ts';
import { kilo } from './determinants.ts';

describe('exact decimal arithmetic', () => {
  it('adds 0.1 and 0.2 to exactly 0.3', () => {
    assert.equal(toDecimal(add(decimal('0.1'), decimal('0.2'))), '0.3');
  });

  it('rounds ties half-up (away from zero) or half-even', () => {
    const cases: readonly [string, bigint, bigint][] = [
      ['2.5', 3n, 2n], ['3.5', 4n, 4n], ['-2.5', -3n, -2n], ['2.49', 2n, 2n], ['2.51', 3n, 3n], ['0', 0n, 0n],
    ];
    for (const [text, up, even] of cases) {
      assert.equal(roundToInteger(decimal(text), 'half-up'), up, text);
      assert.equal(roundToInteger(decimal(text), 'half-even'), even, text);
    }
  });

  it('rounds an amount to minor units once, from the exact product', () => {
    // 48 kWh × 0.2845 = 13.656 → 1366 cents; 12/31 of 31.00 = 12.00 exactly
    assert.equal(toMinor(mul(decimal('48'), decimal('0.2845')), 2, 'half-up'), 1366);
    assert.equal(toMinor(mul(div(integer(12), integer(31)), decimal('31.00')), 2, 'half-up'), 1200);
  });

  it('writes decimals and minor units back as text', () => {
    assert.equal(toDecimal(div(integer(10), integer(31))), '0.322581');
    assert.equal(toDecimal(decimal('-1.500')), '-1.5');
    assert.deepEqual([minorToDecimal(1234, 2), minorToDecimal(-5, 2), minorToDecimal(7, 0)], ['12.34', '-0.05', '7']);
  });

  it('writes whole thousandths without bigint exactly as the rational way does (kilo)', () => {
    const cases = [0, 1, 999_999, 1_000_000, 1_234_567, -250, 4_500_000, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 60];
    fc.assert(fc.property(fc.oneof(fc.constantFrom(...cases), fc.integer(), fc.maxSafeInteger()), (m) => {
      assert.equal(kilo(m), toDecimal(scaled(m, 6), 6));
    }));
  });

  it('refuses what is not a plain decimal', () => {
    for (const bad of ['1e-7', '.5', '01', '1.', 'NaN', '']) assert.throws(() => decimal(bad), { code: 'PW_ERR_INVALID_ARGUMENT' });
  });

  it('reads a decimal read before (remembered) and after the memory was emptied as the first time', () => {
    // More distinct texts than the memory keeps, twice: every reading is the exact value of its text, remembered or not.
    const texts = Array.from({ length: 5000 }, (_, k) => `${k % 2 === 0 ? '-' : ''}${k}.${String(k * 7919).padStart(6, '0')}`);
    for (let round = 0; round < 2; round++) {
      for (const [k, text] of texts.entries()) {
        const value = decimal(text);
        const n = BigInt(k) * 10n ** BigInt(Math.max(6, String(k * 7919).length)) + BigInt(k * 7919);
        assert.equal(cmp(value, { n: k % 2 === 0 ? -n : n, d: 10n ** BigInt(Math.max(6, String(k * 7919).length)) }), 0, text);
      }
      for (const bad of ['1e-7', '.5', '01']) assert.throws(() => decimal(bad), { code: 'PW_ERR_INVALID_ARGUMENT' });
    }
  });
});
