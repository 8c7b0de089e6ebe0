import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { allocateBytes, allocateWords } from './slab.ts';

describe('slab allocation of small typed arrays', () => {
  it('hands out zeroed arrays that never overlap, across slab boundaries and for large sizes', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 1500 })), { minLength: 1, maxLength: 60 }), (sizes) => {
      const arrays = sizes.map(([words, size]) => (words ? allocateWords(size) : allocateBytes(size)));
      arrays.forEach((array, index) => {
        assert.equal(array.length, sizes[index]?.[1]);
        assert.ok(array.every((value) => value === 0), 'zeroed');
        array.fill(index + 1);
      });
      // Every array still holds its own fill: none was handed out twice.
      arrays.forEach((array, index) => { assert.ok(array.every((value) => value === index + 1), `array ${index} was overwritten`); });
    }), { numRuns: 200 });
  });

  it('aligns words so that a Uint16Array can start anywhere after odd byte sizes', () => {
    for (let odd = 1; odd < 20; odd += 2) {
      allocateBytes(odd);
      const words = allocateWords(3);
      words.set([0xffff, 1, 0x8000]);
      assert.deepEqual([...words], [0xffff, 1, 0x8000]);
    }
  });
});
