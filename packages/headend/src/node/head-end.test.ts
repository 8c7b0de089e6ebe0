// The head-end end to end, with real MQTT clients over mutual TLS 1.3, against the embedded broker
// and against Mosquitto: one suite, both brokers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseMeterId } from '@phasewire/core';
import { currentL1, headEndFixture, snapshot, voltageL1 } from '../testing/headend-test-kit.ts';
import type { BrokerKind, HeadEndFixture } from '../testing/headend-test-kit.ts';

const t0 = Date.UTC(2026, 0, 5, 10, 0);

async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 10));
}

function suite(kind: BrokerKind): void {
  describe(`head-end with the ${kind} broker`, () => {
    let f: HeadEndFixture;
    before(async () => { f = await headEndFixture(kind); });
    after(async () => { await f.close(); });

    it('stores readings that arrive over mutual TLS intact, and acknowledges them after the commit', async () => {
      const meter = await f.device('meter-ok-1');
      const payloads = await Promise.all([0, 1, 2].map((i) => meter.seal([snapshot(meter.id, t0 + i * 900_000, 230.01 + i)])));
      await Promise.all(payloads.map((p) => meter.publish(p)));
      await Promise.all([1n, 2n, 3n].map((c) => meter.acked(c)));
      const stored = await f.store.readings(meter.id, voltageL1, { from: t0, to: t0 + 3 * 900_000 });
      assert.deepEqual(stored.map((r) => [r.at, r.value]), [[t0, 230.01], [t0 + 900_000, 231.01], [t0 + 1_800_000, 232.01]]);
      const current = await f.store.readings(meter.id, currentL1, { from: t0, to: t0 + 1 });
      assert.equal(current[0]?.value, 5.125);
      // The embedded listener binds the certificate; behind Mosquitto the ingest sees no certificate.
      assert.equal(f.headEnd.registry.get(meter.id)?.state, kind === 'embedded' ? 'active' : 'enrolled');
    });

    it('refuses a certificate on another meter\'s topic and stores nothing of it', async () => {
      const victim = parseMeterId('meter-victim-1');
      const intruder = await f.device('meter-intruder-1');
      const payload = await intruder.seal([snapshot(victim, t0, 100)], victim);
      if (kind === 'embedded') {
        const closed = new Promise<void>((resolve) => { intruder.client.once('close', () => { resolve(); }); });
        intruder.client.publish(`pw/v1/${victim}/up/readings`, Buffer.from(payload), { qos: 1 });
        await closed;
        assert.equal(f.headEnd.ingest.refusals.of(intruder.id, 'unauthorised'), 1);
      } else {
        // Mosquitto's ACL drops it (MQTT 3.1.1 has no negative PUBACK); the ingest never sees it.
        await intruder.publish(payload, victim);
      }
      const honest = await f.device('meter-after-intruder');
      await honest.publish(await honest.seal([snapshot(honest.id, t0, 229)]));
      await honest.acked(1n);
      assert.deepEqual(await f.store.latest(victim), []);
    });

    it('refuses malformed, oversized, replayed, forged and wrong-meter messages, counts them per device and reason, and keeps serving',
      async () => {
      const meter = await f.device('meter-noisy-1');
      await meter.publish(randomBytes(80));
      await meter.publish(new Uint8Array(70_000));
      const good = await meter.seal([snapshot(meter.id, t0, 231)]);
      await meter.publish(good);
      await meter.acked(1n);
      await meter.publish(good);
      const tampered = Uint8Array.from(await meter.seal([snapshot(meter.id, t0 + 900_000, 232)]));
      tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
      await meter.publish(tampered);
      await meter.publish(await meter.seal([snapshot(parseMeterId('meter-other-9'), t0, 1)], parseMeterId('meter-other-9')), meter.id);
      const good2 = await meter.seal([snapshot(meter.id, t0 + 1_800_000, 233)]);
      await meter.publish(good2);
      await meter.acked(4n);
      const counts = f.headEnd.ingest.refusals;
      assert.deepEqual(
        ['malformed', 'oversized', 'replayed', 'forged', 'wrong-meter'].map((reason) => counts.of(meter.id, reason as never)),
        [1, 1, 1, 1, 1],
      );
      // The redelivered message was acknowledged again.
      assert.equal(meter.acks.filter((entry) => entry.counter === 1n).length, 2);
      const stored = await f.store.readings(meter.id, voltageL1, { from: t0, to: t0 + 3_600_000 });
      assert.deepEqual(stored.map((r) => r.value), [231, 233]);
      assert.deepEqual(await f.store.latest(parseMeterId('meter-other-9')), []);
    });

    it('acks a replayed counter again only for a genuine redelivery (stored, or unstored with its readings refused), never random bytes',
      { timeout: 30_000 }, async () => {
      const meter = await f.device('meter-replay-1');
      const first = await meter.seal([snapshot(meter.id, t0, 230)]);
      const neverSent = await meter.seal([snapshot(meter.id, t0 + 900_000, 231)]);
      const third = await meter.seal([snapshot(meter.id, t0 + 1_800_000, 232)]);
      await meter.publish(first);
      await meter.acked(1n);
      await meter.publish(third);
      await meter.acked(3n);
      const refusedBefore =
        { forged: f.headEnd.ingest.refusals.of(meter.id, 'forged'), replayed: f.headEnd.ingest.refusals.of(meter.id, 'replayed') };
      // Random bytes behind a well-formed header whose counter (3) is at the committed mark.
      const randomBody = Uint8Array.from(third);
      randomBody.set(randomBytes(third.length - 20), 20);
      await meter.publish(randomBody);
      // Genuine, with a counter (2) below the mark, but its readings were never stored (and never will be: the
      // window only moves up): acknowledged with them refused, not as stored, or the meter would send it for ever.
      await meter.publish(neverSent);
      // Genuine and stored: a redelivery after a lost ack, acknowledged again.
      await meter.publish(first);
      await meter.publish(await meter.seal([snapshot(meter.id, t0 + 2_700_000, 233)]));
      await meter.acked(4n);
      await until(() => meter.acks.filter((entry) => entry.counter === 1n).length === 2);
      const counts = (counter: bigint): number => meter.acks.filter((entry) => entry.counter === counter).length;
      assert.deepEqual([1n, 2n, 3n, 4n].map(counts), [2, 1, 1, 1]);
      assert.deepEqual(meter.acks.find((entry) => entry.counter === 2n),
        { keyId: 1, counter: 2n, refused: { code: 'PW_ERR_REPLAY', readings: 2 } });
      assert.equal(f.headEnd.ingest.refusals.of(meter.id, 'forged'), refusedBefore.forged + 1);
      assert.equal(f.headEnd.ingest.refusals.of(meter.id, 'replayed'), refusedBefore.replayed + 2);
      const stored = await f.store.readings(meter.id, voltageL1, { from: t0, to: t0 + 3_600_000 });
      assert.deepEqual(stored.map((r) => r.value), [230, 232, 233]);
    });

    it('refuses readings at t = 0, in 2200 and beyond a Date, stores the rest of the batch, counts them and acks with the refusal',
      async () => {
      const meter = await f.device('meter-clockless-1');
      // ECMA-262 §21.4.1.22: past 8.64e15 ms a Date is invalid.
      const times = [0, t0, Date.UTC(2200, 0, 1), 8.64e15 + 60_000];
      const sealed = await meter.seal(times.map((at) => snapshot(meter.id, at, 230)));
      await meter.publish(sealed);
      await meter.acked(1n);
      assert.deepEqual(meter.acks, [{ keyId: 1, counter: 1n, refused: { code: 'PW_ERR_HEADEND_READING_TIME', readings: 6 } }]);
      // Delivered again after a lost ack: the stored part is found, and the ack names the refusal again.
      await meter.publish(sealed);
      await until(() => meter.acks.length === 2);
      assert.deepEqual(meter.acks[1], meter.acks[0]);
      assert.deepEqual((await f.store.latest(meter.id)).map((r) => r.at), [t0, t0]);
      assert.deepEqual((await f.store.readings(meter.id, voltageL1, { from: 0, to: 8.64e15 })).map((r) => r.at), [t0]);
      assert.equal(f.headEnd.ingest.refusals.of(meter.id, 'implausible-time'), 6);
      assert.equal(f.events.some((event) => event.code === 'PW_ERR_HEADEND_READING_TIME' && event.device === meter.id), true, 'logged');
    });

    it('cuts a revoked device off at once and refuses its reconnect', async () => {
      const meter = await f.device('meter-revoked-1');
      await meter.publish(await meter.seal([snapshot(meter.id, t0, 230)]));
      await meter.acked(1n);
      const closed = new Promise<void>((resolve) => { meter.client.once('close', () => { resolve(); }); });
      await f.ca.revoke(meter.identity);
      await f.headEnd.revokeDevice(meter.id);
      await closed;
      await assert.rejects(f.connect(meter.identity, meter.id));
      const other = await f.device('meter-still-ok');
      await other.publish(await other.seal([snapshot(other.id, t0, 230)]));
      await other.acked(1n);
    });

    if (kind === 'embedded') {
      it('refuses a CONNECT whose client id is not the certificate\'s device id', async () => {
        const identity = await f.ca.device('meter-honest-2');
        await assert.rejects(f.connect(identity, 'meter-someone-else'));
        assert.equal(f.headEnd.ingest.refusals.of('meter-honest-2', 'unauthorised'), 1);
      });
    }
  });
}

suite('embedded');
suite('mosquitto');
