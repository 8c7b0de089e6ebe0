import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { distribute, toUnits } from './distribute.ts';

const unitsOf = (values: readonly number[], resolution: number): number => values.reduce((sum, v) => sum + toUnits(v, resolution), 0);

describe('sharing a register delta over intervals', () => {
  it('shares in proportion to the shape', () => {
    assert.deepEqual(distribute([1, 2, 1], 400, 1), [100, 200, 100]);
  });

  it('gives the left-over units to the largest remainders, so the shares sum exactly', () => {
    assert.deepEqual(distribute([1, 1, 1], 100, 1), [34, 33, 33]);
    assert.deepEqual(distribute([1, 1, 1], 0.1, 0.001), [0.034, 0.033, 0.033]);
  });

  it('shares evenly when the shape is all zero', () => {
    assert.deepEqual(distribute([0, 0], 10, 1), [5, 5]);
  });

  it('always sums to the delta in whole units of the resolution, never negative', () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: -10, max: 1e5, noNaN: true }), { minLength: 1, maxLength: 200 }),
      fc.integer({ min: 0, max: 1e9 }),
      (shape, units) => {
        const resolution = 0.001;
        const total = units / 1000;
        const shares = distribute(shape, total, resolution);
        assert.equal(shares.length, shape.length);
        assert.equal(unitsOf(shares, resolution), units);
        assert.ok(shares.every((s) => s >= 0));
      },
    ));
  });

  it('refuses a negative or non-finite energy and an empty shape', () => {
    assert.throws(() => distribute([1], -1, 1), { code: 'PW_ERR_VEE_INPUT' });
    assert.throws(() => distribute([1], Number.NaN, 1), { code: 'PW_ERR_VEE_INPUT' });
    assert.throws(() => distribute([], 1, 1), { code: 'PW_ERR_VEE_INPUT' });
  });
});
