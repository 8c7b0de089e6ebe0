import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError } from '@phasewire/core';
import { encodeMbapFrame, type MbapFrame } from './mbap.ts';
import { MbapFramer } from './mbap-framer.ts';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

const messages: readonly MbapFrame[] = [
  { transactionId: 1, unitId: 1, pdu: hex('03 006B 0003') },
  { transactionId: 2, unitId: 0xff, pdu: hex('03 06 022B 0000 0064') },
  { transactionId: 0xffff, unitId: 7, pdu: hex('83 02') },
  { transactionId: 4, unitId: 0, pdu: new Uint8Array(253).fill(0x5a) },
  { transactionId: 5, unitId: 9, pdu: hex('10 0001 0002 04 000A 0102') },
];
const stream = Buffer.concat(messages.map(encodeMbapFrame));

/** A framer whose messages are kept: the PDU is lent for the call, so keeping it means copying it. */
function collecting(frames: MbapFrame[]): MbapFramer {
  return new MbapFramer((transactionId, unitId, pdu) => { frames.push({ transactionId, unitId, pdu: Uint8Array.from(pdu) }); });
}

describe('MbapFramer', () => {
  it('finds every message of a stream split anywhere in three chunks', () => {
    for (let first = 0; first <= stream.length; first++) {
      for (let second = first; second <= stream.length; second += 3) {
        const frames: MbapFrame[] = [];
        const framer = collecting(frames);
        framer.push(stream.subarray(0, first));
        framer.push(stream.subarray(first, second));
        framer.push(stream.subarray(second));
        assert.deepEqual(frames, messages, `split at ${first} and ${second}`);
      }
    }
  });

  it('finds every message when bytes come one at a time, and when many come in one chunk', () => {
    const frames: MbapFrame[] = [];
    const framer = collecting(frames);
    for (const byte of stream) framer.push(Uint8Array.of(byte));
    framer.push(Buffer.concat([stream, stream, stream]));
    assert.equal(frames.length, messages.length * 4);
    assert.equal(framer.frames, messages.length * 4);
  });

  it('fails the stream on a bad header, keeps failing until reset, then works again', () => {
    const frames: MbapFrame[] = [];
    const framer = collecting(frames);
    assert.throws(() => { framer.push(hex('0001 0002 0006 01 03 0000 0001')); },
      (error: unknown) => error instanceof DecodeError && error.code === 'PW_ERR_MBAP_HEADER' && /protocol id 2/.test(error.message));
    assert.throws(() => { framer.push(stream); }, DecodeError);
    framer.reset();
    framer.push(stream);
    assert.deepEqual(frames, messages);
  });

  it('lends each PDU as a view on the bytes it came in, without copying them', () => {
    const chunk = Buffer.from(stream);
    const views: Uint8Array[] = [];
    const framer = new MbapFramer((_transactionId, _unitId, pdu) => { views.push(pdu); });
    framer.push(chunk);
    assert.equal(views.length, messages.length);
    assert.equal(views[0]?.buffer, chunk.buffer, 'a whole message at the start of a chunk is a view on that chunk');
    assert.deepEqual(views.map((view) => Uint8Array.from(view)), messages.map((message) => message.pdu));
  });
});
