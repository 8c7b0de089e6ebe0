import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { OBIS } from './obis.ts';
import { arrowsOf, phasorsOf, wrapDegrees } from './phasor.ts';

const balanced = {
  [OBIS.voltageL1]: 230, [OBIS.voltageL2]: 230, [OBIS.voltageL3]: 230,
  [OBIS.angleVoltageL2]: 120, [OBIS.angleVoltageL3]: 240,
  [OBIS.currentL1]: 10, [OBIS.currentL2]: 10, [OBIS.currentL3]: 5,
  [OBIS.angleCurrentL1]: 30, [OBIS.angleCurrentL2]: 30, [OBIS.angleCurrentL3]: -10,
};

describe('phasorsOf', () => {
  it('puts U L1 at 0°, U L2 120° and U L3 240° behind it', () => {
    const volts = phasorsOf(balanced).filter((p) => p.kind === 'voltage');
    assert.deepEqual(volts.map((p) => [p.phase, p.angle]), [['L1', 0], ['L2', -120], ['L3', 120]]);
  });
  it('draws each current lagging its own phase voltage by its angle', () => {
    const currents = phasorsOf(balanced).filter((p) => p.kind === 'current');
    assert.deepEqual(currents.map((p) => [p.phase, p.angle, p.magnitude]), [['L1', -30, 10], ['L2', -150, 10], ['L3', 130, 5]]);
  });
  it('assumes the symmetric sequence when the voltage angles are missing and skips missing magnitudes', () => {
    const phasors = phasorsOf({ [OBIS.voltageL1]: 230, [OBIS.voltageL2]: 229, [OBIS.voltageL3]: Number.NaN });
    assert.deepEqual(phasors.map((p) => [p.phase, p.kind, p.angle]), [['L1', 'voltage', 0], ['L2', 'voltage', -120]]);
  });
});

describe('arrowsOf', () => {
  it('points U L1 to the right and a 90° lag straight down', () => {
    const [u1, i1] = arrowsOf([
      { phase: 'L1', kind: 'voltage', magnitude: 230, angle: 0 },
      { phase: 'L1', kind: 'current', magnitude: 4, angle: -90 },
    ], 200);
    assert.deepEqual([u1?.x, u1?.y], [190, 100]);
    assert.deepEqual([i1?.x, i1?.y], [100, 160]);
  });
  it('keeps every arrow inside the drawing for any magnitudes and angles', () => {
    const phasor = fc.record({
      phase: fc.constantFrom('L1' as const, 'L2' as const, 'L3' as const),
      kind: fc.constantFrom('voltage' as const, 'current' as const),
      magnitude: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      angle: fc.double({ min: -720, max: 720, noNaN: true }),
    });
    fc.assert(fc.property(fc.array(phasor, { maxLength: 6 }), (phasors) => {
      for (const a of arrowsOf(phasors, 200)) {
        assert.ok(a.x >= 0 && a.x <= 200 && a.y >= 0 && a.y <= 200, `${a.x},${a.y}`);
      }
    }));
  });
});

describe('wrapDegrees', () => {
  it('wraps into (−180, 180]', () => {
    assert.deepEqual([wrapDegrees(190), wrapDegrees(-190), wrapDegrees(180), wrapDegrees(-180), wrapDegrees(720)],
      [-170, 170, 180, 180, 0]);
  });
});
