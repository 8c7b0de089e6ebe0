// The MQTT notifier through a real broker: Debian's mosquitto, started by the test on a loopback
// port with a generated configuration, and a subscriber that must receive the notification.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, trackChild } from '@phasewire/test-kit';
import mqtt, { type MqttClient } from 'mqtt';
import { MqttNotifier } from './mqtt-notifier.ts';
import type { AlarmNotification } from '../alarms/notification.ts';

const delivery = { seq: 7, signal: new AbortController().signal };
const notification: AlarmNotification = {
  kind: 'phasewire.alarm', version: 1, id: 'meter-0001/voltage-unbalance/1', meter: 'meter-0001', alarm: 'voltage-unbalance', occurrence: 1,
  state: 'escalated', previousState: 'raised', severity: 'critical', at: '2024-01-29T12:00:00.000Z', value: 3.1, peak: 3.1, unit: '%',
  reason: 'escalated: value 3.1 % reached the critical threshold', reopened: 0, acknowledgement: null,
};

async function connectWhenReady(url: string): Promise<MqttClient> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      return await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 2_000 });
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`mosquitto did not accept a connection at ${url}`, { cause: lastError });
}

describe('the MQTT notifier through mosquitto on loopback', () => {
  let dir: string;
  let broker: ChildProcess;
  let url: string;
  let subscriber: MqttClient;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-mosquitto-'));
    const port = await freePort();
    const config = join(dir, 'mosquitto.conf');
    await writeFile(config, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', ''].join('\n'));
    broker = spawn('mosquitto', ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    trackChild(broker);
    url = `mqtt://127.0.0.1:${port}`;
    subscriber = await connectWhenReady(url);
  });

  after(async () => {
    await subscriber.endAsync();
    broker.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes each transition to <prefix>/<meter>/<alarm type>, and a subscriber receives it', async () => {
    await subscriber.subscribeAsync('phasewire/alarms/#', { qos: 1 });
    const arrived = new Promise<{ topic: string; payload: string }>((resolve) => {
      subscriber.once('message', (topic, payload) => { resolve({ topic, payload: payload.toString('utf8') }); });
    });
    const notifier = await MqttNotifier.connect(url);
    try {
      await notifier.notify(notification, delivery);
      const message = await arrived;
      assert.equal(message.topic, 'phasewire/alarms/meter-0001/voltage-unbalance');
      assert.deepEqual(JSON.parse(message.payload), notification);
    } finally {
      await notifier.close();
    }
  });

  it('keeps the latest state for a later subscriber when retained', async () => {
    const notifier = await MqttNotifier.connect(url, { topicPrefix: 'site-3/alarms', retain: true });
    await notifier.notify(notification, delivery);
    await notifier.close();
    const late = await connectWhenReady(url);
    try {
      const arrived = new Promise<string>((resolve) => { late.once('message', (topic) => { resolve(topic); }); });
      await late.subscribeAsync('site-3/alarms/+/voltage-unbalance', { qos: 1 });
      assert.equal(await arrived, 'site-3/alarms/meter-0001/voltage-unbalance');
    } finally {
      await late.endAsync();
    }
  });

  it('opens in the background: while not connected a notification fails at once and is left to the outbox, and close does not wait',
    async () => {
    const notifier = MqttNotifier.open(`mqtt://127.0.0.1:${await freePort()}`, { client: { reconnectPeriod: 50 } });
    assert.equal(notifier.connected, false);
    await assert.rejects(notifier.notify(notification, delivery),
      (e: Error & { code?: string }) => e.code === 'PW_ERR_NOTIFY_FAILED' && /not connected/.test(e.message));
    await notifier.close();
    const live = MqttNotifier.open(url, { topicPrefix: 'opened/alarms' });
    try {
      await subscriber.subscribeAsync('opened/alarms/#', { qos: 1 });
      const arrived = new Promise<string>((resolve) => { subscriber.once('message', (topic) => { resolve(topic); }); });
      for (let i = 0; i < 50 && !live.connected; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      await live.notify(notification, delivery);
      assert.equal(await arrived, 'opened/alarms/meter-0001/voltage-unbalance');
    } finally {
      await live.close();
    }
  });

  it('refuses a topic prefix with a wildcard and a URL that is not MQTT', async () => {
    await assert.rejects(MqttNotifier.connect(url, { topicPrefix: 'alarms/#' }), { code: 'PW_ERR_NOTIFY_CONFIG' });
    await assert.rejects(MqttNotifier.connect('http://127.0.0.1:1'), { code: 'PW_ERR_NOTIFY_CONFIG' });
    assert.throws(() => MqttNotifier.open('http://127.0.0.1:1'), { code: 'PW_ERR_NOTIFY_CONFIG' });
  });
});
