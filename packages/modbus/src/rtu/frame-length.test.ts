import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NEED_MORE, NOT_A_FRAME, UNKNOWN_LENGTH, rtuFrameLength, type FrameDirection } from './frame-length.ts';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const length = (text: string, direction: FrameDirection): number => {
  const bytes = hex(text);
  return rtuFrameLength(bytes, 0, bytes.length, direction);
};

describe('RTU frame length from the function code', () => {
  it('knows the fixed-length requests', () => {
    for (const fc of ['01', '02', '03', '04', '05', '06']) assert.equal(length(`11 ${fc}`, 'request'), 8);
  });

  it('reads the byte count of multiple writes and read responses', () => {
    assert.equal(length('11 10 0001 0002', 'request'), NEED_MORE);
    assert.equal(length('11 10 0001 0002 04', 'request'), 13);
    assert.equal(length('11 0F 0013 000A 02', 'request'), 11);
    assert.equal(length('11 03', 'response'), NEED_MORE);
    assert.equal(length('11 03 06', 'response'), 11);
    assert.equal(length('11 01 03', 'response'), 8);
    assert.equal(length('11 10', 'response'), 8);
    assert.equal(length('11 83', 'response'), 5);
  });

  it('walks the object list of a device identification response, which has no byte count', () => {
    assert.equal(length('11 2B 0E 01 01 00 00 02 00 03', 'response'), NEED_MORE);
    assert.equal(length('11 2B 0E 01 01 00 00 02 00 03 41 42 43 01', 'response'), NEED_MORE);
    assert.equal(length('11 2B 0E 01 01 00 00 02 00 03 41 42 43 01 01', 'response'), 8 + 5 + 3 + 2);
    assert.equal(length('11 2B 0E 01 01 00 00 00', 'response'), 10);
    assert.equal(length('11 2B 0E 01 00', 'request'), 7);
    assert.equal(length('11 2B 0D', 'request'), UNKNOWN_LENGTH);
  });

  it('delimits the other public functions of §6.7–6.18 by their layouts', () => {
    assert.equal(length('11 08', 'request'), 8);
    assert.equal(length('11 07', 'request'), 4);
    assert.equal(length('11 17 0003 0006 000E 0003', 'request'), NEED_MORE);
    assert.equal(length('11 17 0003 0006 000E 0003 06', 'request'), 3 + 10 + 6);
    assert.equal(length('11 18 00', 'response'), NEED_MORE);
    assert.equal(length('11 18 0006', 'response'), 3 + 3 + 6);
    assert.equal(length('11 14 0E', 'request'), 3 + 2 + 14);
  });

  it('leaves user-defined functions to a silence, and refuses what cannot start a frame', () => {
    assert.equal(length('11 41', 'request'), UNKNOWN_LENGTH);
    assert.equal(length('11 64', 'response'), UNKNOWN_LENGTH);
    assert.equal(length('11 83', 'request'), NOT_A_FRAME, 'a request never carries the exception flag');
    assert.equal(length('F8 03', 'request'), NOT_A_FRAME, 'addresses 248–255 are reserved');
    assert.equal(length('00 03', 'response'), NOT_A_FRAME, 'nobody answers from the broadcast address');
    assert.equal(length('11 00', 'request'), NOT_A_FRAME);
    assert.equal(length('11 80', 'response'), NOT_A_FRAME);
    assert.equal(length('11', 'request'), NEED_MORE);
  });
});
