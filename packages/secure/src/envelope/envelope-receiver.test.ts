// The refusals of the payload envelope (SECURITY.md, payload): each case asserts the exact code and
// that nothing was accepted — the replay window did not move and no body came back.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import type { ErrorCode } from '@phasewire/core';
import { envelopeFixture, meterA, meterB, refusedWith } from '../testing/envelope-test-kit.ts';
import { counterScope } from '../replay/counter-store.ts';
import { encodeEnvelopeBody } from './body-codec.ts';
import { envelopeOverhead, envelopeHeaderLength, messageTypeCodes } from './envelope-format.ts';

// A reading batch of the size the benchmark uses: about 200 bytes of CBOR.
const batch = {
  meter: 'meter-000a',
  start: 1_735_689_600_000,
  interval: 900,
  readings: Array.from({ length: 6 }, (_, i) => ({ obis: '1-0:1.8.0*255', value: 123_456 + i * 17, unit: 'Wh' })),
};
const body = encodeEnvelopeBody(batch);
const uplinkScope = counterScope(meterA, 'uplink', 1);

let f: ReturnType<typeof envelopeFixture>;

beforeEach(async () => {
  f = envelopeFixture();
  // One message accepted first, so that "older" and "equal" counters exist.
  await f.ingest.open(meterA, await f.uplink.seal(meterA, 'readings', body));
  assert.equal(f.headEndWindow.get(uplinkScope), 1n);
});

/** Asserts the refusal and that the window of meter A's uplink is still at `window`. */
async function refused(bytes: Uint8Array, code: ErrorCode, window = 1n, device = meterA, note = ''): Promise<void> {
  await assert.rejects(Promise.resolve(f.ingest.open(device, bytes)), refusedWith(code), `expected ${code} ${note}`);
  assert.equal(f.headEndWindow.get(uplinkScope), window, `the window did not move ${note}`);
}

/** The refusal a byte flip at `offset` must cause, from the format alone (docs/security-envelope.md). */
function expectedRefusal(offset: number, bytes: Uint8Array, lastAccepted: bigint): ErrorCode {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (offset === 0 || offset === 3) return 'PW_ERR_ENVELOPE_MALFORMED';
  if (offset === 1) return view.getUint8(1) === 0x02 ? 'PW_ERR_ENVELOPE_DIRECTION' : 'PW_ERR_ENVELOPE_MALFORMED';
  if (offset === 2) {
    return Object.values(messageTypeCodes).includes(view.getUint8(2) as never) ? 'PW_ERR_ENVELOPE_AUTH' : 'PW_ERR_ENVELOPE_MALFORMED';
  }
  if (offset < 8) return view.getUint32(4) === 0 ? 'PW_ERR_ENVELOPE_MALFORMED' : 'PW_ERR_ENVELOPE_UNKNOWN_KEY';
  if (offset < 16) {
    const counter = view.getBigUint64(8);
    return counter === 0n ? 'PW_ERR_ENVELOPE_MALFORMED' : counter <= lastAccepted ? 'PW_ERR_REPLAY' : 'PW_ERR_ENVELOPE_AUTH';
  }
  if (offset < envelopeHeaderLength) {
    const declared = view.getUint32(16);
    if (declared > 64 * 1024) return 'PW_ERR_ENVELOPE_TOO_LARGE';
    return bytes.length < envelopeOverhead + declared ? 'PW_ERR_ENVELOPE_TRUNCATED' : 'PW_ERR_ENVELOPE_MALFORMED';
  }
  return 'PW_ERR_ENVELOPE_AUTH';
}

test('refuses a flip of any bit pattern at every byte position with the code of the field it hit', async () => {
  const sealed = await f.uplink.seal(meterA, 'readings', body);
  const seen = new Set<ErrorCode>();
  for (let offset = 0; offset < sealed.length; offset += 1) {
    for (const mask of [0x01, 0x03, 0x80]) {
      const tampered = Uint8Array.from(sealed);
      tampered[offset] = (tampered[offset] ?? 0) ^ mask;
      const code = expectedRefusal(offset, tampered, 1n);
      seen.add(code);
      await refused(tampered, code, 1n, meterA, `at byte ${offset} ^ 0x${mask.toString(16)}`);
    }
  }
  // Every field was exercised, including the reflection, a counter turned old and the tag check.
  assert.deepEqual([...seen].sort(), ['PW_ERR_ENVELOPE_AUTH', 'PW_ERR_ENVELOPE_DIRECTION', 'PW_ERR_ENVELOPE_MALFORMED',
    'PW_ERR_ENVELOPE_TOO_LARGE', 'PW_ERR_ENVELOPE_TRUNCATED', 'PW_ERR_ENVELOPE_UNKNOWN_KEY', 'PW_ERR_REPLAY'].sort());
  // The untouched message still opens: the refusals consumed nothing.
  assert.deepEqual((await f.ingest.openValue(meterA, sealed)).value, batch);
  assert.equal(f.headEndWindow.get(uplinkScope), 2n);
});

test('refuses every truncation, down to nothing, with PW_ERR_ENVELOPE_TRUNCATED', async () => {
  const sealed = await f.uplink.seal(meterA, 'readings', body);
  for (let length = 0; length < sealed.length; length += 1) {
    await refused(sealed.subarray(0, length), 'PW_ERR_ENVELOPE_TRUNCATED', 1n, meterA, `at length ${length}`);
  }
});

test('refuses a short tag, whether cut off or passed off as complete by a rewritten length', async () => {
  const sealed = await f.uplink.seal(meterA, 'readings', body);
  for (const cut of [4, 8, 12]) {
    await refused(sealed.subarray(0, sealed.length - cut), 'PW_ERR_ENVELOPE_TRUNCATED', 1n, meterA, `tag cut by ${cut}`);
    // Declare a body `cut` bytes shorter, so the message ends "on time" with a 16 − cut byte tag
    // behind the ciphertext's last bytes: it must still fail authentication.
    const forged = Uint8Array.from(sealed.subarray(0, sealed.length - cut));
    new DataView(forged.buffer).setUint32(16, body.length - cut);
    await refused(forged, 'PW_ERR_ENVELOPE_AUTH', 1n, meterA, `tag of ${16 - cut} bytes`);
  }
});

test('refuses an unknown key id with PW_ERR_ENVELOPE_UNKNOWN_KEY', async () => {
  f.install(meterA, 2);
  f.deviceRing.rotate(meterA, 2, 0);
  const sealed = await f.uplink.seal(meterA, 'readings', body);
  await refused(sealed, 'PW_ERR_ENVELOPE_UNKNOWN_KEY');
  assert.equal(f.headEndWindow.get(counterScope(meterA, 'uplink', 2)), 0n);
});

test('refuses a replayed message and an older counter with PW_ERR_REPLAY', async () => {
  const second = await f.uplink.seal(meterA, 'readings', body);
  const third = await f.uplink.seal(meterA, 'readings', body);
  await f.ingest.open(meterA, third);
  await refused(third, 'PW_ERR_REPLAY', 3n, meterA, 'replayed');
  await refused(second, 'PW_ERR_REPLAY', 3n, meterA, 'older');
});

test('refuses a reflected message: as sent with PW_ERR_ENVELOPE_DIRECTION, '
  + 'with its direction rewritten with PW_ERR_ENVELOPE_AUTH', async () => {
  // The head-end's second command (counter 2, above the uplink window's 1, so the replay check
  // does not answer first).
  await f.downlink.seal(meterA, 'command', encodeEnvelopeBody({ op: 'read' }));
  const command = await f.downlink.seal(meterA, 'command', encodeEnvelopeBody({ op: 'disconnect' }));
  await refused(command, 'PW_ERR_ENVELOPE_DIRECTION');
  const rewritten = Uint8Array.from(command);
  rewritten[1] = 0x01;
  await refused(rewritten, 'PW_ERR_ENVELOPE_AUTH');
  // And the other way: a meter's uplink replayed to the meter as a command.
  const uplink = await f.uplink.seal(meterA, 'readings', body);
  await assert.rejects(Promise.resolve(f.commands.open(meterA, uplink)), refusedWith('PW_ERR_ENVELOPE_DIRECTION'));
  const asDownlink = Uint8Array.from(uplink);
  asDownlink[1] = 0x02;
  await assert.rejects(Promise.resolve(f.commands.open(meterA, asDownlink)), refusedWith('PW_ERR_ENVELOPE_AUTH'));
  assert.equal(f.deviceWindow.get(counterScope(meterA, 'downlink', 1)), 0n);
  // The genuine command still opens on the meter.
  assert.deepEqual((await f.commands.openValue(meterA, command)).value, { op: 'disconnect' });
});

test('refuses a re-targeted message with PW_ERR_ENVELOPE_AUTH, even if both devices had the same key', async () => {
  const shared = new Uint8Array(32).fill(7);
  f.install(meterA, 1, shared);
  f.install(meterB, 1, shared);
  const fromA = await f.uplink.seal(meterA, 'readings', body);
  // Presented as meter B's (the transport says B): the associated data names B, so it fails.
  await assert.rejects(Promise.resolve(f.ingest.open(meterB, fromA)), refusedWith('PW_ERR_ENVELOPE_AUTH'));
  assert.equal(f.headEndWindow.get(counterScope(meterB, 'uplink', 1)), 0n);
  assert.equal(f.headEndWindow.get(uplinkScope), 1n);
});

test('refuses an oversized message with PW_ERR_ENVELOPE_TOO_LARGE, and the sender will not seal one', async () => {
  const small = envelopeFixture({ maxBodyBytes: 256 });
  const sealed = await small.uplink.seal(meterA, 'readings', new Uint8Array(256));
  await assert.rejects(Promise.resolve(small.ingest.open(meterA, Uint8Array.of(...sealed, 0))), refusedWith('PW_ERR_ENVELOPE_TOO_LARGE'));
  const declared = Uint8Array.from(sealed);
  new DataView(declared.buffer).setUint32(16, 257);
  await assert.rejects(Promise.resolve(small.ingest.open(meterA, declared)), refusedWith('PW_ERR_ENVELOPE_TOO_LARGE'));
  assert.equal(small.headEndWindow.get(uplinkScope), 0n);
  await assert.rejects(Promise.resolve(small.uplink.seal(meterA, 'readings', new Uint8Array(257))), refusedWith('PW_ERR_INVALID_ARGUMENT'));
  assert.equal((await small.ingest.open(meterA, sealed)).body.length, 256);
});

test('refuses an authentic body that is not CBOR with PW_ERR_ENVELOPE_BODY, before the window moves', async () => {
  const sealed = await f.uplink.seal(meterA, 'readings', Uint8Array.of(0xff));
  await assert.rejects(Promise.resolve(f.ingest.openValue(meterA, sealed)), refusedWith('PW_ERR_ENVELOPE_BODY'));
  assert.equal(f.headEndWindow.get(uplinkScope), 1n);
});

test('counts every refusal by code and reports each one with the device', async () => {
  const sealed = await f.uplink.seal(meterA, 'readings', body);
  await assert.rejects(Promise.resolve(f.ingest.open(meterA, sealed.subarray(0, 10))));
  await assert.rejects(Promise.resolve(f.ingest.open(meterB, sealed)));
  await f.ingest.open(meterA, sealed);
  await assert.rejects(Promise.resolve(f.ingest.open(meterA, sealed)));
  assert.deepEqual(Object.fromEntries(f.ingest.refusals()), { PW_ERR_ENVELOPE_TRUNCATED: 1, PW_ERR_ENVELOPE_AUTH: 1, PW_ERR_REPLAY: 1 });
  assert.deepEqual(f.refusals.map((r) => [r.device, r.code]), [
    [meterA, 'PW_ERR_ENVELOPE_TRUNCATED'], [meterB, 'PW_ERR_ENVELOPE_AUTH'], [meterA, 'PW_ERR_REPLAY'],
  ]);
});

test('lets only one of two concurrent copies of a message through', async () => {
  const sealed = await f.uplink.seal(meterA, 'readings', body);
  const results = await Promise.allSettled([f.ingest.open(meterA, sealed), f.ingest.open(meterA, Uint8Array.from(sealed))]);
  assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  const rejected = results.find((r) => r.status === 'rejected');
  assert.ok(refusedWith('PW_ERR_REPLAY')(rejected?.reason));
});

test('answers at once when nothing has to wait, and refuses only through rejected promises', async () => {
  // The counter block is reserved (beforeEach sealed one), the key is installed, the window is in memory.
  const sealed = f.uplink.seal(meterA, 'readings', body);
  assert.ok(sealed instanceof Uint8Array, 'the envelope itself, not a promise');
  const opened = f.ingest.open(meterA, sealed);
  assert.ok(!(opened instanceof Promise) && opened.header.counter === 2n, 'the opened envelope itself');
  const replayed = f.ingest.open(meterA, sealed);
  assert.ok(replayed instanceof Promise, 'a refusal is a promise');
  await assert.rejects(replayed, refusedWith('PW_ERR_REPLAY'));
  const oversized = f.uplink.seal(meterA, 'readings', new Uint8Array(64 * 1024 + 1));
  assert.ok(oversized instanceof Promise);
  await assert.rejects(oversized, refusedWith('PW_ERR_INVALID_ARGUMENT'));
});

test('reopens a replayed envelope only when it authenticates, without moving the window or counting a refusal', async () => {
  const sealed = await f.uplink.seal(meterA, 'readings', body);
  await f.ingest.open(meterA, sealed);
  await refused(sealed, 'PW_ERR_REPLAY', 2n);
  const counted = f.refusals.length;
  const reopened = await f.ingest.reopenValue(meterA, sealed);
  assert.equal(reopened.header.counter, 2n);
  assert.deepEqual(reopened.value, batch);
  // Random bytes behind the same header: the old counter alone proves nothing.
  const forged = Uint8Array.from(sealed);
  forged.fill(0x5a, envelopeHeaderLength);
  await assert.rejects(Promise.resolve(f.ingest.reopenValue(meterA, forged)), refusedWith('PW_ERR_ENVELOPE_AUTH'));
  assert.equal(f.headEndWindow.get(uplinkScope), 2n);
  assert.equal(f.refusals.length, counted);
});
