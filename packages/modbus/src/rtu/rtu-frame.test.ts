import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError, ValidationError } from '@phasewire/core';
import { decodeRtuFrame, encodeRtuFrame } from './rtu-frame.ts';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

describe('RTU frames', () => {
  it('frames a PDU with the address and the CRC, low byte first', () => {
    assert.deepEqual(encodeRtuFrame(1, hex('03 0000 000A')), hex('01 03 0000 000A C5CD'));
    assert.deepEqual(decodeRtuFrame(hex('01 03 0000 000A C5CD')), { address: 1, pdu: hex('03 0000 000A') });
  });

  it('refuses a bad CRC with PW_ERR_CRC_MISMATCH, naming both values', () => {
    assert.throws(() => decodeRtuFrame(hex('01 03 0000 000B C5CD')), (error: unknown) => error instanceof DecodeError
      && error.code === 'PW_ERR_CRC_MISMATCH' && /CRC 0xcdc5 received, 0x[0-9a-f]{4} computed/.test(error.message));
  });

  it('refuses frames too short or too long, and addresses above 247', () => {
    assert.throws(() => decodeRtuFrame(hex('01 03 C5')), DecodeError);
    assert.throws(() => decodeRtuFrame(new Uint8Array(257)), DecodeError);
    assert.throws(() => encodeRtuFrame(248, hex('03 0000 0001')), ValidationError);
    assert.throws(() => encodeRtuFrame(1, new Uint8Array(0)), ValidationError);
  });
});
