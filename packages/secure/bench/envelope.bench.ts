// Payload envelope cost: seal + open of one 200-byte CBOR reading batch through the whole
// envelope path (header, nonce, associated data, key lookup, counter reservation, replay check,
// AES-256-GCM with a 16-byte tag), against raw AES-256-GCM seal + open of the same bytes with the
// same prepared key and no associated data, measured in the same run, interleaved. The counter and
// replay stores are in memory: their durable writes are amortised elsewhere (a block per 1,024
// counters on the sender; on the head-end the window is meant to commit with the readings' own
// transaction), so this is the envelope's own cost.
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { median, type Benchmark } from '@phasewire/bench';
import type { WireBatch } from '@phasewire/core';
import { ManualClock, parseMeterId } from '@phasewire/core';
import { encodeEnvelopeBody } from '../src/envelope/body-codec.ts';
import { InstalledEnvelopeKeys } from '../src/envelope/envelope-keys.ts';
import { EnvelopeReceiver } from '../src/envelope/envelope-receiver.ts';
import { EnvelopeSender } from '../src/envelope/envelope-sender.ts';
import { KeyRing } from '../src/envelope/key-ring.ts';
import { NodeAead } from '../src/node/envelope/node-aead.ts';
import { MemoryCounterStore } from '../src/replay/counter-store.ts';

const meter = parseMeterId('meter-000001');

/**
 * A reading batch in core's wire form (reading-batch.ts): three 15-minute snapshots of ten
 * quantities of one meter, as scaled integers: 200 bytes of CBOR.
 */
function readingBatch(): Uint8Array {
  const quantities = [0x01_08_00, 0x02_08_00, 0x20_07_00, 0x34_07_00, 0x48_07_00, 0x1f_07_00, 0x33_07_00, 0x47_07_00, 0x0e_07_00, 0x0d_07_00];
  const values = [12_345_678, 2_345, 23_140, 22_980, 23_060, 12_340, 11_020, 13_570, 50_010, 9_800];
  const batch: WireBatch = {
    v: 1,
    m: meter,
    t: 1_735_689_600_000,
    d: [900_000, 900_000],
    q: quantities,
    x: [0, 1, 2].map((snapshot) => values.map((value, i) => (i === 0 ? value + snapshot * 25 : value))),
  };
  return encodeEnvelopeBody(batch);
}

async function envelopeNsPerMessage(body: Uint8Array, messages: number, state: ReturnType<typeof envelopeSides>): Promise<number> {
  const { sender, receiver } = state;
  const start = process.hrtime.bigint();
  for (let i = 0; i < messages; i += 1) {
    // As the ingest path does: wait only for what had to wait (a new counter block, say).
    const sealing = sender.seal(meter, 'readings', body);
    const sealed = sealing instanceof Promise ? await sealing : sealing;
    const opening = receiver.open(meter, sealed);
    const opened = opening instanceof Promise ? await opening : opening;
    if (opened.body.length !== body.length) throw new Error('envelope round trip lost bytes');
  }
  return Number(process.hrtime.bigint() - start) / messages;
}

function rawNsPerMessage(body: Uint8Array, messages: number, key: ReturnType<typeof createSecretKey>, nonce: Buffer): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < messages; i += 1) {
    nonce.writeUInt32BE(i, 8);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
    const ciphertext = cipher.update(body);
    cipher.final();
    const tag = cipher.getAuthTag();
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
    decipher.setAuthTag(tag);
    const plaintext = decipher.update(ciphertext);
    decipher.final();
    if (plaintext.length !== body.length) throw new Error('raw round trip lost bytes');
  }
  return Number(process.hrtime.bigint() - start) / messages;
}

function envelopeSides(raw: Uint8Array) {
  const aead = new NodeAead();
  const keys = new InstalledEnvelopeKeys(aead);
  keys.install(meter, 1, raw);
  const clock = new ManualClock(0);
  return {
    sender: new EnvelopeSender({ direction: 'uplink', aead, keys, keyRing: new KeyRing({ clock, initialKeyId: 1 }), counters: new MemoryCounterStore() }),
    receiver: new EnvelopeReceiver({ direction: 'uplink', aead, keys, keyRing: new KeyRing({ clock, initialKeyId: 1 }), window: new MemoryCounterStore() }),
  };
}

const benchmark: Benchmark = {
  name: 'envelope',
  title: 'Payload envelope seal + open of a 200-byte CBOR reading batch, against raw AES-256-GCM seal + open of the same bytes',
  target: { atLeast: 0.9 },
  runs: 5,
  async measure() {
    const body = readingBatch();
    const rawKey = randomBytes(32);
    const key = createSecretKey(rawKey);
    const nonce = randomBytes(12);
    const sides = envelopeSides(rawKey);
    // Warm both paths up before timing (JIT, OpenSSL context caches).
    rawNsPerMessage(body, 20_000, key, nonce);
    await envelopeNsPerMessage(body, 20_000, sides);
    // Short alternating batches: both paths see the same machine load, which on a shared
    // machine drifts faster than a long batch lasts.
    const raw: number[] = [];
    const envelope: number[] = [];
    // The order alternates too, so that neither path always pays for the other's garbage.
    for (let round = 0; round < 100; round += 1) {
      if (round % 2 === 0) raw.push(rawNsPerMessage(body, 1_000, key, nonce));
      envelope.push(await envelopeNsPerMessage(body, 1_000, sides));
      if (round % 2 === 1) raw.push(rawNsPerMessage(body, 1_000, key, nonce));
    }
    const envelopeNs = median(envelope);
    const rawNs = median(raw);
    return {
      figure: { label: 'envelope seal + open', value: 1e9 / envelopeNs, unit: 'messages/s' },
      reference: { label: 'raw AES-256-GCM seal + open', value: 1e9 / rawNs, unit: 'messages/s', kind: 'limit' },
      extra: { bodyBytes: body.length, envelopeBytes: body.length + 36, envelopeMicroseconds: envelopeNs / 1000, rawMicroseconds: rawNs / 1000 },
    };
  },
};

export default benchmark;
