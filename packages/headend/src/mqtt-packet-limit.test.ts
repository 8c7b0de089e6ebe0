import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MqttPacketLimit } from './mqtt-packet-limit.ts';

/** An MQTT packet: the first byte, the remaining length as MQTT encodes it (§2.2.3), then `length` bytes. */
function packet(first: number, length: number): Uint8Array {
  const header = [first];
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    header.push(byte);
  } while (rest > 0);
  const bytes = new Uint8Array(header.length + length);
  bytes.set(header);
  return bytes;
}

const concat = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) { out.set(part, offset); offset += part.length; }
  return out;
};

describe('the MQTT packet size bound', () => {
  it('passes packets up to the limit, one after another', () => {
    const limit = new MqttPacketLimit(300);
    assert.deepEqual(limit.push(concat([packet(0x10, 20), packet(0x32, 300), packet(0xc0, 0), packet(0x30, 127), packet(0x30, 128)])),
      { ok: true });
  });

  it('refuses a PUBLISH announcing 256 MiB from its header alone, before any of the body', () => {
    const limit = new MqttPacketLimit(65_536);
    // 0x30 PUBLISH, remaining length 268,435,455: the largest MQTT 3.1.1 allows (§2.2.3).
    assert.deepEqual(limit.push(Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0x7f)),
      { ok: false, reason: 'oversized', length: 268_435_455, limit: 65_536 });
  });

  it('refuses a remaining length of more than four bytes', () => {
    const verdict = new MqttPacketLimit(65_536).push(Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01));
    assert.equal(verdict.ok ? 'ok' : verdict.reason, 'malformed');
  });

  it('gives the same verdict for a stream whatever its split into chunks', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ first: fc.integer({ min: 0, max: 255 }), length: fc.integer({ min: 0, max: 400 }) }), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
      (packets, cuts) => {
        const stream = concat(packets.map((p) => packet(p.first, p.length)));
        const whole = new MqttPacketLimit(256).push(stream);
        const split = new MqttPacketLimit(256);
        let verdict = split.push(new Uint8Array(0));
        let offset = 0;
        for (let i = 0; offset < stream.length && verdict.ok; i++) {
          const size = cuts[i % cuts.length] ?? 1;
          verdict = split.push(stream.subarray(offset, offset + size));
          offset += size;
        }
        assert.deepEqual(verdict, whole);
        assert.equal(whole.ok, packets.every((p) => p.length <= 256));
      },
    ));
  });
});
