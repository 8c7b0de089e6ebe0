// The million-frame fuzz run (src/testing/fuzz-driver.ts): random and mutated frames through every
// decoder (request, response, RTU frame, MBAP message, ByteReader) and every framer (RTU in both
// directions and both resynchronisation modes, MBAP). It fails if anything but a DecodeError is
// thrown or a framer holds more than one maximal frame. The figure is its throughput, against a
// bound that keeps a million-frame run a routine check: a minute. (The unit suite runs 100 000
// of the same frames; a million took about 16 CPU seconds on the 2-core development machine,
// too long for the suite's budget, hence this split.)
import type { Benchmark } from '@phasewire/bench';
import { fuzz } from '../src/testing/fuzz-driver.ts';

const FRAMES = 1_000_000;

const benchmark: Benchmark = {
  name: 'fuzz',
  title: 'A million random and mutated frames through every Modbus decoder and framer: frames per second',
  target: { atLeast: 1 },
  runs: 1,
  measure() {
    const start = performance.now();
    const result = fuzz(FRAMES);
    const seconds = (performance.now() - start) / 1000;
    return Promise.resolve({
      figure: { label: 'frames through every decoder and framer', value: Math.round(FRAMES / seconds), unit: 'frames/s' },
      reference: { label: 'a million frames in a minute', value: Math.round(FRAMES / 60), unit: 'frames/s', kind: 'limit' },
      extra: { 'seconds for a million': Math.round(seconds * 10) / 10, 'RTU frames found': result.rtuFrames, 'MBAP frames found': result
        .mbapFrames, 'largest RTU buffer, bytes': result.maxPending },
    });
  },
};

export default benchmark;
