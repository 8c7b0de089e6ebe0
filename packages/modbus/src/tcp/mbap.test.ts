import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError, ValidationError } from '@phasewire/core';
import { decodeMbapFrame, encodeMbapFrame } from './mbap.ts';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

describe('MBAP header (TCP guide V1.0b §3.1.3)', () => {
  it('frames a PDU with transaction id, protocol id 0, length of unit id plus PDU, and unit id', () => {
    // The §6.3 request, as transaction 0x1501 to unit 0xFF.
    assert.deepEqual(encodeMbapFrame({ transactionId: 0x1501, unitId: 0xff, pdu: hex('03 006B 0003') }), hex(
      '1501 0000 0006 FF 03 006B 0003'));
    assert.deepEqual(decodeMbapFrame(hex('1501 0000 0006 FF 03 006B 0003')), { transactionId: 0x1501, unitId: 0xff, pdu: hex(
      '03 006B 0003') });
  });

  it('refuses a protocol id other than 0 and lengths outside 2 to 254', () => {
    for (const bad of ['0001 0001 0006 01 03 0000 0001', '0001 0000 0001 01', `0001 0000 00FF 01 ${'00'.repeat(254)}`]) {
      assert.throws(() => decodeMbapFrame(hex(bad)), (error: unknown) => error instanceof DecodeError && error.code ===
        'PW_ERR_MBAP_HEADER', bad);
    }
    assert.throws(() => decodeMbapFrame(hex('0001 0000 0006 01 03 00')), (error: unknown) => error instanceof DecodeError && error.code ===
      'PW_ERR_MODBUS_MALFORMED');
    assert.throws(() => decodeMbapFrame(hex('0001 0000')), DecodeError);
  });

  it('refuses to frame out-of-range ids or PDUs', () => {
    assert.throws(() => encodeMbapFrame({ transactionId: 0x10000, unitId: 1, pdu: hex('03') }), ValidationError);
    assert.throws(() => encodeMbapFrame({ transactionId: 1, unitId: 256, pdu: hex('03') }), ValidationError);
    assert.throws(() => encodeMbapFrame({ transactionId: 1, unitId: 1, pdu: new Uint8Array(254) }), ValidationError);
  });
});
