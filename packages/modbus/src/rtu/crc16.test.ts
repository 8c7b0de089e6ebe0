import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc16, crc16Update, CRC16_INITIAL, hasValidCrc } from './crc16.ts';

describe('CRC-16 of Modbus RTU (Serial Line V1.02 §6.2.2)', () => {
  it('gives C5 CD on the wire for the request 01 03 00 00 00 0A', () => {
    const crc = crc16(Uint8Array.of(0x01, 0x03, 0x00, 0x00, 0x00, 0x0a));
    assert.equal(crc, 0xcdc5);
    assert.deepEqual([crc & 0xff, crc >>> 8], [0xc5, 0xcd], 'low byte first');
  });

  it('gives 0x1241 for 02 07, the example of the CRC appendix (sent 41 12)', () => {
    assert.equal(crc16(Uint8Array.of(0x02, 0x07)), 0x1241);
  });

  it('matches a bit-by-bit computation with the reflected polynomial 0xA001 and initial value 0xFFFF', () => {
    const bitwise = (bytes: Uint8Array): number => {
      let crc = 0xffff;
      for (const byte of bytes) {
        crc ^= byte;
        for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
      }
      return crc;
    };
    const bytes = Uint8Array.from({ length: 300 }, (_, index) => (index * 37 + 11) & 0xff);
    for (let length = 0; length <= bytes.length; length += 7) {
      assert.equal(crc16(bytes.subarray(0, length)), bitwise(bytes.subarray(0, length)));
    }
    let running = CRC16_INITIAL;
    for (const byte of bytes) running = crc16Update(running, byte);
    assert.equal(running, bitwise(bytes));
  });

  it('checks a frame that ends in its CRC', () => {
    const frame = Uint8Array.of(0x01, 0x03, 0x00, 0x00, 0x00, 0x0a, 0xc5, 0xcd);
    assert.equal(hasValidCrc(frame, 0, frame.length), true);
    frame[3] = 0x01;
    assert.equal(hasValidCrc(frame, 0, frame.length), false);
    assert.equal(hasValidCrc(frame, 0, 2), false);
  });
});
