// Property tests of the PDU codec (principle 11): decode(encode(x)) is x for random valid requests
// and responses, and on random bytes the decoders throw nothing but DecodeError.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '@phasewire/core';
import { arbitraryExchange, arbitraryRequest } from '../testing/arbitraries.ts';
import { decodeRequest, encodeRequest } from './request.ts';
import { decodeResponse, encodeResponse } from './response.ts';

const onlyDecodeErrors = (run: () => unknown): void => {
  try {
    run();
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
  }
};

describe('PDU codec properties', () => {
  it('decodes every encoded request to itself', () => {
    fc.assert(fc.property(arbitraryRequest, (request) => {
      assert.deepEqual(decodeRequest(encodeRequest(request)), request);
    }), { numRuns: 2000 });
  });

  it('decodes every encoded response to itself, against its request', () => {
    fc.assert(fc.property(arbitraryExchange, ({ request, response }) => {
      assert.deepEqual(decodeResponse(encodeResponse(response), request), response);
    }), { numRuns: 2000 });
  });

  it('decodes every exception response to itself', () => {
    fc.assert(fc.property(arbitraryRequest, fc.integer({ min: 1, max: 255 }), (request, exceptionCode) => {
      const exception = { functionCode: request.functionCode, exceptionCode };
      assert.deepEqual(decodeResponse(encodeResponse(exception), request), exception);
    }));
  });

  it('throws nothing but DecodeError on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), arbitraryRequest, (bytes, request) => {
      onlyDecodeErrors(() => decodeRequest(bytes));
      onlyDecodeErrors(() => decodeResponse(bytes, request));
    }), { numRuns: 5000 });
  });

  it('throws nothing but DecodeError on bytes that start with a known function code', () => {
    const codes = fc.constantFrom(1, 2, 3, 4, 5, 6, 15, 16, 43, 0x81, 0x83, 0x90, 0xab);
    fc.assert(fc.property(codes, fc.uint8Array({ maxLength: 260 }), arbitraryRequest, (code, rest, request) => {
      const bytes = Uint8Array.of(code, ...rest);
      onlyDecodeErrors(() => decodeRequest(bytes));
      onlyDecodeErrors(() => decodeResponse(bytes, request));
    }), { numRuns: 5000 });
  });
});
