// External-broker mode: Mosquitto killed with SIGKILL while a device sends, then started again on the
// same port and configuration. The ingest session reconnects (resilient-ingest.ts) and subscribes
// again; the broker health goes failing and back; the device resends what no sealed ack acknowledged,
// and every reading is in the store, those acknowledged before the kill included.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { deviceTopic } from '@phasewire/core';
import type { MqttClient } from 'mqtt';
import type { DeviceId } from '@phasewire/secure';
import { decodeAck } from '@phasewire/core/protocol';
import { ackEntries } from '../ack-message.ts';
import { headEndFixture, snapshot, voltageL1 } from '../testing/headend-test-kit.ts';
import type { HeadEndFixture, TestDevice } from '../testing/headend-test-kit.ts';

const t0 = Date.UTC(2026, 0, 5);
const total = 200;

describe('the ingest session across a Mosquitto killed and started again', { timeout: 120_000 }, () => {
  let fixture: HeadEndFixture;
  let restarted: ChildProcess | undefined;
  before(async () => { fixture = await headEndFixture('mosquitto'); });
  after(async () => {
    restarted?.kill('SIGTERM');
    await fixture.close();
  });

  const until = async (what: string, check: () => Promise<boolean> | boolean, ms = 30_000): Promise<number> => {
    const started = performance.now();
    while (!(await check())) {
      if (performance.now() - started > ms) throw new Error(`${what} not within ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return performance.now() - started;
  };

  it('reconnects, goes failing and back to ready, and loses no acknowledged reading', async () => {
    const device: TestDevice = await fixture.device('meter-restart');
    const sealed: Uint8Array[] = [];
    for (let i = 0; i < total; i++) sealed.push(await device.seal([snapshot(device.id, t0 + i * 1000, 230 + (i % 10))]));
    const acked = new Set<bigint>();
    const track = (client: MqttClient): void => {
      client.on('message', (topic, payload) => {
        if (!topic.endsWith('/ack')) return;
        void (async () => {
          const opened = await device.downlink.openValue(device.id, new Uint8Array(payload));
          // A resent copy of a stored reading is acknowledged as a replay: acknowledged all the same.
          for (const entry of ackEntries(decodeAck(opened.value))) acked.add(entry.counter);
        })().catch(() => undefined);
      });
    };
    // The fixture's device opens the acks of its first connection (the replay window opens each once).
    const ackedNow = (): Set<bigint> => { for (const entry of device.acks) acked.add(entry.counter); return acked; };
    // The device sends without waiting; the broker is killed while the messages are on their way.
    const topic = deviceTopic(device.id, 'up/readings');
    const sending = (async () => {
      for (const payload of sealed.slice(0, total / 2)) {
        if (!device.client.connected) return;
        device.client.publish(topic, Buffer.from(payload), { qos: 1 });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await until('some acks', () => ackedNow().size >= 10);
    const mosquitto = fixture.mosquitto;
    assert.ok(mosquitto?.pid !== undefined);
    mosquitto.kill();
    const ackedBeforeKill = new Set(ackedNow());
    await sending;
    const failingMs = await until('broker health failing', async () => !(await fixture.headEnd.brokerHealth()).ok);
    assert.match((await fixture.headEnd.brokerHealth()).detail, /ingest session .* is closed|refused a session|did not answer/);

    // Started again from the configuration it left in its directory, on the same port.
    const killedAt = performance.now();
    restarted = spawn('mosquitto', ['-c', join(fixture.dir, 'mosquitto', 'mosquitto.conf')], { stdio: 'ignore' });
    const backMs = await until('broker health ok', async () => (await fixture.headEnd.brokerHealth()).ok);
    const reconnected = fixture.events.find((event) => /is open again after \d+ attempt/.test(event.msg));
    assert.ok(reconnected !== undefined, 'the reconnect is logged');

    // The device (its own reconnect) resends every message without an ack, then the rest.
    await device.client.endAsync(true);
    ackedNow();
    const client = await fixture.connect(device.identity, 'meter-restart');
    track(client);
    await client.subscribeAsync(`pw/v1/${device.id}/#`, { qos: 1 });
    const unacked = (): number[] => sealed.map((_, i) => i).filter((i) => !acked.has(BigInt(i + 1)));
    const resent = unacked();
    for (const i of resent) await client.publishAsync(topic, Buffer.from(sealed[i] ?? new Uint8Array()), { qos: 1 });
    await until('every message acknowledged', () => unacked().length === 0);
    const resumedMs = performance.now() - killedAt;
    await client.endAsync(true);

    const stored = await fixture.store.readings(device.id, voltageL1, { from: t0, to: t0 + total * 1000 });
    const times = new Set(stored.map((reading) => reading.at));
    for (const counter of ackedBeforeKill) assert.ok(times.has(t0 + (Number(counter) - 1) * 1000), `acked reading ${counter} stored`);
    assert.equal(times.size, total, 'every reading stored');
    assert.equal(stored.length, total, 'none stored twice');
    process.stdout.write(`# Mosquitto SIGKILL: health failing after ${Math.round(failingMs)} ms; restarted: ok after `
      + `${Math.round(backMs)} ms; ${ackedBeforeKill.size} acked before the kill, ${resent.length} resent, all ${total} stored `
      + `${Math.round(resumedMs)} ms after the restart\n`);
  });

  it('refuses a publish at once while the session is down, saying why', async () => {
    assert.ok(fixture.mosquitto !== undefined);
    restarted?.kill('SIGKILL');
    const closes = (): number => fixture.events.filter((event) => /closed .*: reconnecting/.test(event.msg)).length;
    const closed = closes();
    await until('session down', () => closes() > closed);
    const record = await fixture.headEnd.sendCommand('meter-restart' as DeviceId, 'read', 1000);
    assert.equal(record.status, 'failed');
    assert.match(record.reason ?? '', /ingest session with Mosquitto at 127\.0\.0\.1:\d+ is down \(reconnecting/);
  });
});
