import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromSteps, inSteps, scaledInteger } from './scaling.ts';

describe('scaled integers', () => {
  it('gives back exactly the value it was given, whenever it gives a whole number of steps', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(1, 10, 100, 1000, 10_000),
      (value, steps) => {
      const scaled = scaledInteger(value, steps);
      if (scaled !== null) {
        assert.ok(Number.isSafeInteger(scaled));
        assert.ok(fromSteps(scaled, steps) === value, `${value} came back as ${fromSteps(scaled, steps)}`);
      }
    }));
  });

  it('scales values on the resolution grid and refuses finer or huge ones', () => {
    assert.equal(scaledInteger(230.12, 100), 23012);
    assert.equal(scaledInteger(0.1 + 0.2, 100), null);
    assert.equal(scaledInteger(1e17, 100), null);
    assert.equal(inSteps(0.125, 10), 1.25);
  });
});
