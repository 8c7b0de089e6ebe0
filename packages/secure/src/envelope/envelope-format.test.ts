import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DecodeError, hasCode } from '@phasewire/core';
import {
  decodeEnvelope, decodeEnvelopeHeader, encodeHeader, envelopeOverhead, envelopeHeaderLength, maxInvocationCounter, messageTypeCodes,
} from './envelope-format.ts';
import type { EnvelopeHeader, MessageType } from './envelope-format.ts';

const header: EnvelopeHeader = {
  direction: 'uplink', messageType: 'readings', keyId: 0x01020304, counter: 0x0506070809101112n, bodyLength: 3,
};

function envelope(fields: EnvelopeHeader = header): Uint8Array {
  const bytes = new Uint8Array(envelopeOverhead + fields.bodyLength).fill(0xee);
  encodeHeader(fields, bytes);
  return bytes;
}

test('writes the header byte by byte as docs/security-envelope.md describes', () => {
  assert.equal(Buffer.from(envelope().subarray(0, envelopeHeaderLength)).toString('hex'),
    '01' + '01' + '01' + '00' + '01020304' + '0506070809101112' + '00000003');
});

test('decodes what it encodes, for every direction and message type', () => {
  for (const direction of ['uplink', 'downlink'] as const) {
    for (const messageType of Object.keys(messageTypeCodes) as MessageType[]) {
      const fields = { ...header, direction, messageType, counter: maxInvocationCounter, keyId: 0xffff_ffff };
      const bytes = envelope(fields);
      const decoded = decodeEnvelope(bytes);
      assert.deepEqual(decoded.header, fields);
      assert.equal(decoded.ciphertext.length, 3);
      assert.equal(decoded.tag.length, 16);
      assert.deepEqual(decoded.ciphertext, bytes.subarray(envelopeHeaderLength, envelopeHeaderLength + 3));
    }
  }
});

test('reads every counter back exactly, on both sides of 2^53 where the decoder changes method', () => {
  const edges = [1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, maxInvocationCounter - 1n, maxInvocationCounter];
  for (const counter of edges) assert.equal(decodeEnvelope(envelope({ ...header, counter })).header.counter, counter, String(counter));
  fc.assert(fc.property(fc.bigInt({ min: 1n, max: maxInvocationCounter }), (counter) => {
    assert.equal(decodeEnvelope(envelope({ ...header, counter })).header.counter, counter);
  }), { numRuns: 5_000 });
});

test('the header decoder alone gives the same header and the same refusals as the full decoder', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (bytes, versioned) => {
    const input = versioned && bytes.length > 0 ? Uint8Array.of(1, ...bytes.subarray(1)) : bytes;
    const outcome = (decode: () => unknown): unknown => {
      try {
        return decode();
      } catch (error) {
        return error instanceof DecodeError ? error.code : error;
      }
    };
    const full = outcome(() => decodeEnvelope(input, 32).header);
    assert.deepEqual(outcome(() => decodeEnvelopeHeader(input, 32)), full);
  }), { numRuns: 20_000 });
});

test('refuses every truncation with PW_ERR_ENVELOPE_TRUNCATED', () => {
  const bytes = envelope();
  for (let length = 0; length < bytes.length; length += 1) {
    assert.throws(
      () => decodeEnvelope(bytes.subarray(0, length)),
      (error) => hasCode(error, 'PW_ERR_ENVELOPE_TRUNCATED'),
      `length ${length}`,
    );
  }
});

test('refuses trailing bytes, unknown codes, reserved flags and zero ids with PW_ERR_ENVELOPE_MALFORMED', () => {
  const malformed = (error: unknown): boolean => hasCode(error, 'PW_ERR_ENVELOPE_MALFORMED');
  assert.throws(() => decodeEnvelope(Uint8Array.of(...envelope(), 0)), malformed);
  const cases: [number, number][] = [[0, 0x02], [0, 0x00], [1, 0x00], [1, 0x03], [2, 0x00], [2, 0x09], [3, 0x01], [3, 0x80]];
  for (const [offset, value] of cases) {
    const bytes = envelope();
    bytes[offset] = value;
    assert.throws(() => decodeEnvelope(bytes), malformed, `byte ${offset} = ${value}`);
  }
  assert.throws(() => decodeEnvelope(envelope({ ...header, keyId: 0 })), malformed);
  assert.throws(() => decodeEnvelope(envelope({ ...header, counter: 0n })), malformed);
});

test('refuses an oversized envelope or declared body with PW_ERR_ENVELOPE_TOO_LARGE before reading on', () => {
  const tooLarge = (error: unknown): boolean => hasCode(error, 'PW_ERR_ENVELOPE_TOO_LARGE');
  assert.throws(() => decodeEnvelope(new Uint8Array(1024 + envelopeOverhead + 1), 1024), tooLarge);
  // A short message whose header claims 4 GiB: refused from the header, nothing is allocated.
  const bytes = envelope();
  bytes.set([0xff, 0xff, 0xff, 0xff], 16);
  assert.throws(() => decodeEnvelope(bytes, 1024), tooLarge);
  assert.deepEqual(decodeEnvelope(envelope({ ...header, bodyLength: 1024 }), 1024).header.bodyLength, 1024);
});

test('decoding any bytes yields an envelope or a DecodeError, nothing else', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 128 }), (bytes, max) => {
    try {
      const decoded = decodeEnvelope(bytes, max);
      assert.equal(decoded.ciphertext.length, decoded.header.bodyLength);
      assert.equal(decoded.tag.length, 16);
    } catch (error) {
      assert.ok(error instanceof DecodeError, String(error));
    }
  }), { numRuns: 20_000 });
  // Random bytes behind a valid version byte reach the deeper checks too.
  fc.assert(fc.property(fc.uint8Array({ minLength: 19, maxLength: 80 }), (rest) => {
    try {
      decodeEnvelope(Uint8Array.of(1, ...rest), 64);
    } catch (error) {
      assert.ok(error instanceof DecodeError, String(error));
    }
  }), { numRuns: 20_000 });
});
