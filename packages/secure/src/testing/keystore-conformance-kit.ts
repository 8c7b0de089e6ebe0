// Test support: the Node side of the keystore conformance suite (keystore-conformance.ts).
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { test } from 'node:test';
import type { ConformanceHarness } from './keystore-conformance.ts';
import { curves } from '../node/keystore/ec-encoding.ts';

export const nodeConformanceHarness: ConformanceHarness = {
  test: (name, body) => test(name, body),
  assert: {
    equal: (actual, expected, message) => { assert.equal(actual, expected, message); },
    notEqual: (actual, expected, message) => { assert.notEqual(actual, expected, message); },
    deepEqual: (actual, expected, message) => { assert.deepEqual(actual, expected, message); },
    notDeepEqual: (actual, expected, message) => { assert.notDeepEqual(actual, expected, message); },
    ok(value: unknown, message?: string): asserts value {
      assert.ok(value, message);
    },
    rejects: (promise, check, message) => assert.rejects(promise, check, message),
  },
  verify: (curve, publicKey, data, signature) => verify(curves[curve].hash, data,
    { key: createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' }), dsaEncoding: 'der' }, signature),
};
