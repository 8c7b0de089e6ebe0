import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeRtuFrame, type RtuFrame } from './rtu-frame.ts';
import { RtuFramer, type RtuFault, type RtuResync } from './rtu-framer.ts';
import type { FrameDirection } from './frame-length.ts';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const frame = (address: number, pdu: string): RtuFrame => ({ address, pdu: hex(pdu) });
const wire = (frames: readonly RtuFrame[]): Uint8Array => Buffer.concat(frames.map((f) => encodeRtuFrame(f.address, f.pdu)));

const responses: readonly RtuFrame[] = [
  frame(0x11, '03 06 022B 0000 0064'),
  frame(0x11, '83 02'),
  frame(0x07, '10 0001 0002'),
  frame(0x11, `2B 0E 01 01 00 00 02 00 03 414243 01 01 5A`),
  frame(0xf7, '01 03 CD 6B 05'),
  frame(0x11, '06 0001 0003'),
];
const requests: readonly RtuFrame[] = [
  frame(0x11, '03 006B 0003'),
  frame(0x11, '10 0001 0002 04 000A 0102'),
  frame(0x00, '06 0001 0003'),
  frame(0x11, '2B 0E 01 00'),
  frame(0x11, '0F 0013 000A 02 CD 01'),
  frame(0x01, '04 0008 0001'),
];

function collect(direction: FrameDirection, resync: RtuResync): { framer: RtuFramer; frames: RtuFrame[]; faults: RtuFault[] } {
  const frames: RtuFrame[] = [];
  const faults: RtuFault[] = [];
  const framer = new RtuFramer({ direction, resync, onFrame: (f) => frames.push(f), onFault: (f) => faults.push(f) });
  return { framer, frames, faults };
}

describe('RtuFramer at every split point', () => {
  for (const [direction, expected] of [['response', responses], ['request', requests]] as const) {
    for (const resync of ['silence', 'scan'] as const) {
      it(`finds every ${direction} of a stream split anywhere in three chunks (${resync} mode)`, () => {
        const stream = wire(expected);
        for (let first = 0; first <= stream.length; first++) {
          for (let second = first; second <= stream.length; second++) {
            const { framer, frames, faults } = collect(direction, resync);
            framer.push(stream.subarray(0, first));
            framer.push(stream.subarray(first, second));
            framer.push(stream.subarray(second));
            assert.deepEqual(frames, expected, `split at ${first} and ${second}`);
            assert.deepEqual(faults, []);
            assert.equal(framer.pending, 0);
          }
        }
      });
    }
  }

  it('finds every frame when the stream comes one byte at a time or in random chunks', () => {
    const stream = wire(responses);
    const { framer, frames } = collect('response', 'silence');
    for (const byte of stream) framer.push(Uint8Array.of(byte));
    assert.deepEqual(frames, responses);
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 60 }), (sizes) => {
      const run = collect('response', 'scan');
      let at = 0;
      for (const size of sizes) {
        run.framer.push(stream.subarray(at, at + size));
        at += size;
      }
      run.framer.push(stream.subarray(at));
      assert.deepEqual(run.frames, responses);
    }));
  });
});

describe('RtuFramer resynchronisation', () => {
  it('throws bytes away up to the next silence after garbage (silence mode)', () => {
    const { framer, frames, faults } = collect('response', 'silence');
    framer.push(hex('FF FE 11'));
    framer.push(wire(responses.slice(0, 1)));
    assert.deepEqual(frames, [], 'nothing after garbage counts until the line goes silent');
    framer.silence();
    framer.push(wire(responses));
    assert.deepEqual(frames, responses);
    assert.deepEqual(faults, ['garbage']);
    assert.equal(framer.stats.discardedBytes, 3 + 11);
  });

  it('slides past garbage to the next good frame (scan mode, RTU over TCP)', () => {
    const { framer, frames, faults } = collect('response', 'scan');
    framer.push(Buffer.concat([hex('FF 11 03 FF 00'), wire(responses)]));
    assert.deepEqual(frames, responses);
    assert.equal(faults.length, 1, 'one fault reported, not one per byte skipped');
    assert.equal(framer.stats.discardedBytes, 5);
  });

  it('counts a CRC error once, drops the frame and keeps the frames around it', () => {
    const corrupted = encodeRtuFrame(0x11, hex('03 06 022B 0000 0064'));
    corrupted[4] = (corrupted[4] ?? 0) ^ 0x10;
    for (const resync of ['silence', 'scan'] as const) {
      const { framer, frames, faults } = collect('response', resync);
      framer.push(wire(responses.slice(1, 2)));
      framer.silence();
      framer.push(corrupted);
      framer.silence();
      framer.push(wire(responses.slice(2)));
      assert.deepEqual(frames, [responses[1], ...responses.slice(2)], resync);
      assert.deepEqual(faults, ['crc']);
      assert.equal(framer.stats.crcErrors, 1);
    }
  });

  it('recovers the frames after a corrupted one on a stream without silences (scan mode)', () => {
    const stream = wire(responses);
    stream[5] = (stream[5] ?? 0) ^ 0x01;
    const { framer, frames } = collect('response', 'scan');
    framer.push(stream);
    assert.deepEqual(frames, responses.slice(1));
    assert.equal(framer.stats.crcErrors, 1);
  });

  it('reports a frame cut short by a silence as truncated', () => {
    const { framer, frames, faults } = collect('response', 'silence');
    framer.push(wire(responses.slice(0, 1)).subarray(0, 7));
    framer.silence();
    assert.deepEqual(frames, []);
    assert.deepEqual(faults, ['truncated']);
    assert.equal(framer.stats.truncatedFrames, 1);
  });

  it('delimits the other public functions by length, so a server can refuse them (exception 0x01)', () => {
    const others = [frame(0x11, '08 0000 A537'), frame(0x11, '11'), frame(0x11, '17 0003 0006 000E 0003 06 00FF 00FF 00FF'), frame(0x11,
      '16 0004 00F2 0025')];
    for (const resync of ['silence', 'scan'] as const) {
      const { framer, frames } = collect('request', resync);
      framer.push(wire([...others, ...requests]));
      assert.deepEqual(frames, [...others, ...requests], resync);
    }
  });

  it('takes a user-defined function at the silence on a serial line, and treats it as garbage on a stream', () => {
    const custom = frame(0x11, '41 0102 0304 05');
    const silence = collect('request', 'silence');
    silence.framer.push(wire([custom]));
    assert.deepEqual(silence.frames, []);
    silence.framer.silence();
    assert.deepEqual(silence.frames, [custom]);
    const scan = collect('request', 'scan');
    scan.framer.push(wire([custom, ...requests]));
    assert.deepEqual(scan.frames, requests);
    assert.deepEqual(scan.faults, ['garbage']);
  });

  it('counts an unknown-function frame whose CRC fails at the silence', () => {
    const { framer, faults } = collect('request', 'silence');
    framer.push(hex('11 41 0000 A537 0000'));
    framer.silence();
    assert.deepEqual(faults, ['crc']);
    assert.equal(framer.stats.crcErrors, 1);
  });

  it('never holds more than one maximal frame, however long a device babbles', () => {
    for (const resync of ['silence', 'scan'] as const) {
      const { framer } = collect('request', resync);
      const babble = Uint8Array.from({ length: 10_000 }, (_, index) => (index % 2 === 0 ? 0x11 : 0x41));
      for (let at = 0; at < babble.length; at += 333) {
        framer.push(babble.subarray(at, at + 333));
        assert.ok(framer.pending <= 256, `${resync}: ${framer.pending} bytes pending`);
      }
      framer.silence();
      assert.equal(framer.pending, 0);
    }
  });

  it('forgets a partial frame on reset', () => {
    const { framer, frames } = collect('response', 'silence');
    framer.push(wire(responses.slice(0, 1)).subarray(0, 5));
    framer.reset();
    framer.push(wire(responses.slice(0, 1)));
    assert.deepEqual(frames, responses.slice(0, 1));
  });
});
