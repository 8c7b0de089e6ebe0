import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '@phasewire/core';
import { defaultFraming, rtuTiming } from './rtu-timing.ts';

const near = (actual: number, expected: number): void => {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≈ ${expected}`);
};

describe('RTU timing (Serial Line V1.02 §2.5.1.1)', () => {
  it('derives 11 bits per character from 8E1, the default framing, and t3.5 from it at 9600 baud', () => {
    const timing = rtuTiming(defaultFraming(9600));
    assert.equal(timing.bitsPerCharacter, 11);
    near(timing.characterMs, 11_000 / 9600);
    near(timing.t35Ms, 3.5 * 11_000 / 9600);
    near(timing.t15Ms, 1.5 * 11_000 / 9600);
  });

  it('counts the bits of the framing actually used: 8N2 is 11, 8N1 is 10, 8O2 is 12', () => {
    assert.equal(rtuTiming({ baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 2 }).bitsPerCharacter, 11);
    assert.equal(rtuTiming({ baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 }).bitsPerCharacter, 10);
    assert.equal(rtuTiming({ baudRate: 9600, dataBits: 8, parity: 'odd', stopBits: 2 }).bitsPerCharacter, 12);
    near(rtuTiming({ baudRate: 4800, dataBits: 8, parity: 'none', stopBits: 1 }).t35Ms, 3.5 * 10_000 / 4800);
  });

  it('uses the computed timers up to 19200 baud and the fixed 750 µs and 1.75 ms above', () => {
    const at19200 = rtuTiming(defaultFraming(19_200));
    near(at19200.t35Ms, 3.5 * 11_000 / 19_200);
    const at38400 = rtuTiming(defaultFraming(38_400));
    assert.equal(at38400.t15Ms, 0.75);
    assert.equal(at38400.t35Ms, 1.75);
    assert.equal(at38400.characterMs, 11_000 / 38_400, 'the character time itself still follows the baud rate');
    assert.equal(rtuTiming(defaultFraming(115_200)).t35Ms, 1.75);
  });

  it('refuses a framing it cannot time', () => {
    assert.throws(() => rtuTiming(defaultFraming(0)), ValidationError);
    assert.throws(() => rtuTiming({ baudRate: 9600, dataBits: 6 as 8, parity: 'none', stopBits: 1 }), ValidationError);
    assert.throws(() => rtuTiming({ baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 3 as 1 }), ValidationError);
  });
});
