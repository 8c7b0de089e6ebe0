import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '@phasewire/core';
import { bytesToRegisters, registersToBytes } from './registers.ts';

describe('registers and bytes', () => {
  it('puts each register high byte first, as on the wire', () => {
    assert.deepEqual(registersToBytes([0x022b, 0x0000, 0x0064]), Uint8Array.of(0x02, 0x2b, 0x00, 0x00, 0x00, 0x64));
    assert.deepEqual(bytesToRegisters(Uint8Array.of(0x02, 0x2b, 0x00, 0x64)), Uint16Array.of(0x022b, 0x0064));
  });

  it('refuses an odd number of bytes', () => {
    assert.throws(() => bytesToRegisters(Uint8Array.of(1, 2, 3)), ValidationError);
  });
});
