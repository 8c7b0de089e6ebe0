import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { ManualClock, parseMeterId, PhasewireError } from '@phasewire/core';
import { envelopeFixture, meterA, meterB, refusedWith } from '../testing/envelope-test-kit.ts';
import { NodeAead } from '../node/envelope/node-aead.ts';
import { SoftwareKeystore } from '../node/keystore/software-keystore.ts';
import { counterScope, MemoryCounterStore } from '../replay/counter-store.ts';
import type { Keystore } from '../keystore.ts';
import { bindDevice } from './device-binding.ts';
import type { DeviceId } from './device-binding.ts';
import { DerivedEnvelopeKeys, envelopeKeyInfo, InstalledEnvelopeKeys } from './envelope-keys.ts';
import { EnvelopeReceiver } from './envelope-receiver.ts';
import { EnvelopeSender } from './envelope-sender.ts';
import type { Direction, MessageType } from './envelope-format.ts';
import { decodeEnvelope, messageTypeCodes } from './envelope-format.ts';
import { KeyRing } from './key-ring.ts';

const deviceIdArbitrary = fc.stringMatching(/^[a-z0-9][a-z0-9-]{2,63}$/).map((id) => parseMeterId(id) as DeviceId);
const messageTypeArbitrary = fc.constantFrom(...(Object.keys(messageTypeCodes) as MessageType[]));

test('open(seal(x)) = x for random bodies, devices, directions, message types, counters and keys', async () => {
  const aead = new NodeAead();
  await fc.assert(fc.asyncProperty(
    fc.uint8Array({ maxLength: 2048 }), deviceIdArbitrary, fc.constantFrom<Direction>('uplink', 'downlink'), messageTypeArbitrary,
    fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_fff0n }), fc.integer({ min: 1, max: 0xffff_ffff }),
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    async (body, device, direction, messageType, start, keyId, key) => {
      const clock = new ManualClock(0);
      const keys = new InstalledEnvelopeKeys(aead);
      keys.install(device, keyId, key);
      const counters = new MemoryCounterStore();
      await counters.advance(counterScope(device, direction, keyId), start);
      const sender = new EnvelopeSender({ direction, aead, keys, keyRing: new KeyRing({ clock, initialKeyId: keyId }), counters });
      const receiver = new EnvelopeReceiver({
        direction, aead, keys, keyRing: new KeyRing({ clock, initialKeyId: keyId }), window: new MemoryCounterStore(),
      });
      const sealed = await sender.seal(device, messageType, body);
      assert.equal(sealed.length, body.length + 36);
      const opened = await receiver.open(device, sealed);
      assert.deepEqual(opened.body, body);
      assert.deepEqual(opened.header, { direction, messageType, keyId, counter: start + 1n, bodyLength: body.length });
    }), { numRuns: 300 });
});

// A map key "__proto__" is the one thing that does not survive: cbor-x renames it on decode so that
// a body can never set an object's prototype. No phasewire body uses that key.
const withoutProtoKey = (text: string): boolean => !text.includes('"__proto__"');

test('JSON-like values survive the envelope unchanged', async () => {
  const f = envelopeFixture();
  await fc.assert(fc.asyncProperty(
    // Through a JSON round trip: cbor-x writes -0 as the integer 0, as JSON does.
    fc.jsonValue().map((value) => JSON.stringify(value)).filter(withoutProtoKey).map((text) => JSON.parse(text) as unknown),
    async (value) => {
      const opened = await f.ingest.openValue(meterA, await f.uplink.sealValue(meterA, 'event', value));
      assert.deepEqual(opened.value, value);
    }), { numRuns: 300 });
});

test('a "__proto__" key in a body cannot pollute prototypes', async () => {
  const f = envelopeFixture();
  const hostile = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown;
  const opened = await f.ingest.openValue(meterA, await f.uplink.sealValue(meterA, 'event', hostile));
  assert.equal((opened.value as Record<string, unknown>)['polluted'], undefined);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.deepEqual(Object.keys(opened.value as object).sort(), ['__proto_', 'a']);
});

test('random and mutated input to the receiver yields only phasewire errors and never moves the window', async () => {
  const f = envelopeFixture();
  const valid = await f.uplink.seal(meterA, 'readings', randomBytes(64));
  await fc.assert(fc.asyncProperty(
    fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      // Distinct offsets, non-zero masks: every mutant differs from the valid envelope.
      fc.uniqueArray(
        fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 1, max: 255 })),
        { minLength: 1, maxLength: 6, selector: ([offset]) => offset },
      ).map((edits) => {
        const bytes = Uint8Array.from(valid);
        for (const [offset, mask] of edits) bytes[offset] = (bytes[offset] ?? 0) ^ mask;
        return bytes;
      }),
    ),
    async (bytes) => {
      await assert.rejects(Promise.resolve(f.ingest.open(meterA, bytes)), (error) => error instanceof PhasewireError);
      assert.equal(f.headEndWindow.get(counterScope(meterA, 'uplink', 1)), 0n);
    }), { numRuns: 3000 });
});

test('rotation loses nothing in flight: old-key messages open during the grace period, then are refused', async () => {
  const f = envelopeFixture();
  const oldKey = await f.uplink.seal(meterA, 'readings', Uint8Array.of(1));
  const oldKeyLater = await f.uplink.seal(meterA, 'readings', Uint8Array.of(2));
  // The head-end issues generation 2 and installs it first; the meter switches to it.
  f.install(meterA, 2);
  f.headEndRing.rotate(meterA, 2, 10 * 60_000);
  f.deviceRing.rotate(meterA, 2, 0);
  const newKey = await f.uplink.seal(meterA, 'readings', Uint8Array.of(3));
  assert.equal(decodeEnvelope(newKey).header.keyId, 2);
  assert.equal(decodeEnvelope(newKey).header.counter, 1n, 'a new key id starts its own counter');
  // Delivered out of order across the switch: every one is accepted.
  assert.deepEqual((await f.ingest.open(meterA, newKey)).body, Uint8Array.of(3));
  assert.deepEqual((await f.ingest.open(meterA, oldKey)).body, Uint8Array.of(1));
  f.clock.advance(10 * 60_000);
  await assert.rejects(Promise.resolve(f.ingest.open(meterA, oldKeyLater)), refusedWith('PW_ERR_ENVELOPE_KEY_RETIRED'));
  assert.equal(f.headEndWindow.get(counterScope(meterA, 'uplink', 1)), 1n);
  assert.deepEqual((await f.ingest.open(meterA, await f.uplink.seal(meterA, 'readings', Uint8Array.of(4)))).body, Uint8Array.of(4));
});

test('counter exhaustion refuses to seal, signals rotation, and a new key id seals again', async () => {
  const due: [DeviceId, number, bigint][] = [];
  const f = envelopeFixture({
    sender: { counterLimit: 3n, rotateAt: 2n, counterBlockSize: 2, onRotationDue: (d, k, c) => due.push([d, k, c]) },
  });
  for (let i = 0; i < 3; i += 1) await f.ingest.open(meterA, await f.uplink.seal(meterA, 'readings', Uint8Array.of(i)));
  assert.deepEqual(due, [[meterA, 1, 2n]]);
  await assert.rejects(Promise.resolve(f.uplink.seal(meterA, 'readings', Uint8Array.of(9))), refusedWith('PW_ERR_COUNTER_EXHAUSTED'));
  const otherDevice = await f.ingest.open(meterB, await f.uplink.seal(meterB, 'readings', Uint8Array.of(1)));
  assert.deepEqual(otherDevice.body, Uint8Array.of(1), 'other devices are not affected');
  f.install(meterA, 2);
  f.headEndRing.rotate(meterA, 2, 60_000);
  f.deviceRing.rotate(meterA, 2, 0);
  assert.deepEqual((await f.ingest.open(meterA, await f.uplink.seal(meterA, 'readings', Uint8Array.of(7)))).body, Uint8Array.of(7));
});

test('derived keys: the head-end derives in its keystore the key a meter was given at enrollment, once per device', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'phasewire-envelope-keys-'));
  try {
    const keyFile = join(directory, 'store.key');
    await writeFile(keyFile, randomBytes(32), { mode: 0o600 });
    const store = await SoftwareKeystore.open({
      path: join(directory, 'store.json'), unlock: { keyFile }, warn: () => undefined, create: true,
    });
    await store.generateSecret('envelope-master');
    let derivations = 0;
    const counting: Keystore = Object.assign(Object.create(store) as Keystore, {
      deriveKey: (label: string, info: Uint8Array, length: number) => { derivations += 1; return store.deriveKey(label, info, length); },
    });
    const aead = new NodeAead();
    const clock = new ManualClock(0);
    const headEndKeys = new DerivedEnvelopeKeys({ keystore: counting, aead, master: 'envelope-master' });
    // Enrollment: the head-end derives the meter's key and hands it over (here: directly).
    const meterKeys = new InstalledEnvelopeKeys(aead);
    meterKeys.install(meterA, 1, await store.deriveKey('envelope-master', envelopeKeyInfo(bindDevice(meterA), 1), 32));
    const before = derivations;
    const sender = new EnvelopeSender({
      direction: 'uplink', aead, keys: meterKeys, keyRing: new KeyRing({ clock, initialKeyId: 1 }), counters: new MemoryCounterStore(),
    });
    const receiver = new EnvelopeReceiver({
      direction: 'uplink', aead, keys: headEndKeys, keyRing: new KeyRing({ clock, initialKeyId: 1 }), window: new MemoryCounterStore(),
    });
    const messages = await Promise.all(
      Array.from({ length: 5 }, (_, i) => Promise.resolve(sender.seal(meterA, 'readings', Uint8Array.of(i)))),
    );
    // Opened concurrently: the first derivation is shared, not repeated.
    const opened = await Promise.allSettled(messages.map((message) => Promise.resolve(receiver.open(meterA, message))));
    assert.ok(opened.some((result) => result.status === 'fulfilled'));
    assert.equal(derivations - before, 1, 'one derivation for the device and key id');
    const sealedForA = await sender.seal(meterA, 'readings', Uint8Array.of(9));
    await assert.rejects(Promise.resolve(receiver.open(meterB, sealedForA)), refusedWith('PW_ERR_ENVELOPE_AUTH'));
    assert.equal(derivations - before, 2, 'meter B got its own key');
    await store.close();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('the HKDF info names the label, the device id with its length, and the key id', () => {
  const info = envelopeKeyInfo(bindDevice(parseMeterId('meter-7')), 0x01020304);
  assert.equal(
    Buffer.from(info).toString('hex'),
    Buffer.from('phasewire envelope v1').toString('hex') + '07' + Buffer.from('meter-7').toString('hex') + '01020304',
  );
});
