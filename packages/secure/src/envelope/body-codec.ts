// The envelope body is CBOR (RFC 8949) through cbor-x, with its extensions switched off so the
// bytes are plain CBOR any peer can read: no record structures (tag 105), no typed-array tags.
import { DecodeError } from '@phasewire/core';
import { Encoder } from 'cbor-x';

const options = { useRecords: false, tagUint8Array: false, mapsAsObjects: true } as const;
const codec = new Encoder(options);

/** CBOR bytes of a message body. */
export function encodeEnvelopeBody(value: unknown): Uint8Array {
  return codec.encode(value);
}

/**
 * The value of exactly one CBOR data item filling `bytes`. Total: anything else (a malformed
 * item, several items, trailing bytes, nesting too deep for the stack) is a DecodeError
 * PW_ERR_ENVELOPE_BODY. Work and allocation are bounded by the input, which the envelope bounds.
 */
export function decodeEnvelopeBody(bytes: Uint8Array): unknown {
  let items: unknown;
  try {
    items = codec.decodeMultiple(bytes);
  } catch (error) {
    throw new DecodeError('PW_ERR_ENVELOPE_BODY', `Cannot decode envelope body of ${bytes.length} bytes: not well-formed CBOR`,
      { cause: error });
  }
  if (!Array.isArray(items) || items.length !== 1) {
    const count = Array.isArray(items) ? items.length : 0;
    throw new DecodeError('PW_ERR_ENVELOPE_BODY', `Cannot decode envelope body of ${bytes.length} bytes: `
      + `${count} CBOR data items, expected exactly 1`);
  }
  return items[0];
}
