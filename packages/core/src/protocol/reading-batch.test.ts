import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Q, catalogue } from '../catalogue.ts';
import { DecodeError } from '../errors.ts';
import { parseMeterId } from '../ids.ts';
import type { ObisCode } from '../obis.ts';
import { fromWireBatch, stepsOf, toWireBatch, type ReadingBatch } from './reading-batch.ts';

const meter = parseMeterId('meter-0001');

const batch: ReadingBatch = {
  meter,
  snapshots: [
    {
      meter,
      at: 1_767_225_600_000,
      values: new Map<ObisCode, number>([[Q.voltageL1, 230.12], [Q.currentL1, 10.003], [Q.activeEnergyImport, 123_456_789.5]]),
    },
    { meter, at: 1_767_226_500_000, values: new Map<ObisCode, number>([[Q.voltageL1, 229.98], [Q.powerFactor, -0.9012]]) },
  ],
};

describe('reading batch wire form', () => {
  it('lists each quantity once and carries values as integers in their resolution', () => {
    const wire = toWireBatch(batch);
    assert.equal(wire.t, 1_767_225_600_000);
    assert.deepEqual(wire.d, [900_000]);
    assert.equal(wire.q.length, 4);
    assert.equal(wire.q[0], 32 * 65536 + 7 * 256);
    assert.deepEqual(wire.x[0], [23_012, 10_003, 1_234_567_895, null]);
    assert.deepEqual(wire.x[1], [22_998, null, null, -9012]);
  });

  it('decodes back to the same readings, to the resolution of each quantity', () => {
    const back = fromWireBatch(toWireBatch(batch));
    assert.equal(back.meter, meter);
    assert.deepEqual(back.snapshots.map((s) => s.at), [1_767_225_600_000, 1_767_226_500_000]);
    assert.deepEqual(
      [...(back.snapshots[0]?.values ?? [])],
      [[Q.voltageL1, 230.12], [Q.currentL1, 10.003], [Q.activeEnergyImport, 123_456_789.5]],
    );
    assert.deepEqual([...(back.snapshots[1]?.values ?? [])], [[Q.voltageL1, 229.98], [Q.powerFactor, -0.9012]]);
  });

  it('round-trips any batch within half a resolution step', () => {
    const value = fc.double({ min: -1e9, max: 1e9, noNaN: true });
    const valuesByCode = fc.dictionary(fc.constantFrom(...catalogue.map((q) => q.obis)), value, { maxKeys: 20 });
    const snapshot = fc.tuple(fc.integer({ min: 1, max: 3_600_000 }), valuesByCode);
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 41 }), fc.array(snapshot, { minLength: 1, maxLength: 20 }), (start, rows) => {
      let at = start;
      const snapshots = rows.map(([delta, values], i) => {
        if (i > 0) at += delta;
        return { meter, at, values: new Map(Object.entries(values)) as Map<ObisCode, number> };
      });
      const back = fromWireBatch(toWireBatch({ meter, snapshots }));
      assert.deepEqual(back.snapshots.map((s) => s.at), snapshots.map((s) => s.at));
      back.snapshots.forEach((s, i) => {
        const original = snapshots[i]?.values ?? new Map<ObisCode, number>();
        assert.equal(s.values.size, original.size);
        for (const [code, v] of original) assert.ok(Math.abs((s.values.get(code) ?? Number.NaN) - v) <= 0.5 / stepsOf(code) + 1e-9);
      });
    }));
  });

  const good = toWireBatch(batch);
  const refusals: readonly (readonly [string, unknown, RegExp])[] = [
    ['not a map', [1, 2], /expected a map, found an array/],
    ['another version', { ...good, v: 2 }, /version 2 is not supported/],
    ['a bad meter id', { ...good, m: 'Meter/1' }, /meter id is invalid/],
    ['a negative time', { ...good, t: -1 }, /first time/],
    ['too few deltas', { ...good, d: [] }, /expected 1 time deltas/],
    ['a zero delta', { ...good, d: [0] }, /time delta 0 is not a positive integer/],
    ['an unknown quantity', { ...good, q: [...good.q.slice(0, 3), 200 * 65536] }, /not in the catalogue/],
    ['a repeated quantity', { ...good, q: [good.q[0], good.q[0], good.q[2], good.q[3]] }, /listed twice/],
    ['a short row', { ...good, x: [[1, 2], good.x[1]] }, /snapshot 0 does not have one value per quantity/],
    ['a fractional value', { ...good, x: [[1.5, null, null, null], good.x[1]] }, /value 0 of snapshot 0 is not an integer/],
    ['no snapshots', { ...good, x: [], d: [] }, /1 to 10000 snapshots/],
  ];
  for (const [what, wire, message] of refusals) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => fromWireBatch(wire),
        (error: unknown) => error instanceof DecodeError && error.code === 'PW_ERR_BATCH_INVALID' && message.test(error.message),
      );
    });
  }

  it('throws nothing but a DecodeError for any value', () => {
    fc.assert(fc.property(fc.anything(), (value) => {
      try { fromWireBatch(value); } catch (error) { assert.ok(error instanceof DecodeError, String(error)); }
    }));
    const batchLike = fc.record({
      v: fc.constant(1), m: fc.string(), t: fc.anything(), d: fc.anything(), q: fc.anything(), x: fc.anything(),
    });
    fc.assert(fc.property(batchLike, (value) => {
      try { fromWireBatch(value); } catch (error) { assert.ok(error instanceof DecodeError, String(error)); }
    }));
  });
});
