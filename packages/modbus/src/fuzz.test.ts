// Random and mutated frames through every decoder and framer (src/testing/fuzz-driver.ts). The unit
// suite runs 100 000 of them; `npm run bench -- fuzz` runs a million (bench/fuzz.bench.ts), and
// PW_FUZZ_FRAMES=1000000 runs a million here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fuzz } from './testing/fuzz-driver.ts';

const FRAMES = Number(process.env['PW_FUZZ_FRAMES'] ?? 100_000);

describe('fuzzing', () => {
  it(`survives ${FRAMES.toLocaleString('en')} random and mutated frames in every decoder and framer`, () => {
    const result = fuzz(FRAMES);
    assert.equal(result.inputs, FRAMES);
    assert.ok(result.maxPending <= 256);
    // The mutated frames include intact ones, so the framers must have found some, and refused some.
    assert.ok(result.rtuFrames > FRAMES / 100, `${result.rtuFrames} RTU frames`);
    assert.ok(result.mbapFrames > FRAMES / 1000, `${result.mbapFrames} MBAP frames`);
    assert.ok(result.rtuCrcErrors.every((count) => count > 0), `CRC errors ${result.rtuCrcErrors.join(', ')}`);
  });
});
