// Each notifier has its own queue in the outbox: a notifier that keeps failing (here the MQTT one,
// against a port where no broker listens) neither makes the webhook receive the same transition
// again nor keeps the other transitions from it, and it is tried (and reported) after a backoff,
// not at every round. A webhook delivery keeps its Phasewire-Delivery id when the outbox tries the
// transition again, after a restart too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, parseMeterId, Q } from '@phasewire/core';
import { SqliteMeterStore } from '@phasewire/store/node';
import { freePort } from '@phasewire/test-kit';
import { startMdmService, type MdmService } from './mdm-service.ts';
import { MqttNotifier } from './mqtt-notifier.ts';
import { WebhookNotifier } from './webhook-notifier.ts';

const quarterHour = 900_000;
const secret = 'a-shared-secret-of-at-least-32-bytes!';
const t0 = Date.UTC(2026, 2, 2, 10, 0);

interface Post { readonly delivery: string; readonly alarm: string; readonly status: number }

describe('notifier queues: one failing notifier holds back only itself', { timeout: 60_000 }, () => {
  let dir: string;
  let receiver: Server;
  let url: string;
  const posts: Post[] = [];
  /** Statuses the receiver answers in turn (200 once the list is used up). */
  const answers: number[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-notifier-queues-'));
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; state: string };
        res.statusCode = answers.shift() ?? 200;
        posts.push({ delivery: String(req.headers['phasewire-delivery']), alarm: `${body.id} ${body.state}`, status: res.statusCode });
        res.end();
      });
    });
    await new Promise<void>((resolve) => { receiver.listen(0, '127.0.0.1', resolve); });
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/alarms`;
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await new Promise<void>((resolve) => { receiver.close(() => { resolve(); }); });
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers every transition to the webhook once while MQTT fails, reports MQTT with backoff, and keeps a delivery id across retries '
    + 'and a restart', async () => {
    const clock = new ManualClock(t0);
    const store = await SqliteMeterStore.open({ path: join(dir, 'store.db'), clock });
    cleanups.push(() => store.close());
    const closedPort = await freePort();
    const errors: string[] = [];
    const start = (): { service: MdmService; mqtt: MqttNotifier } => {
      const mqtt = MqttNotifier.open(`mqtt://127.0.0.1:${closedPort}`, { client: { reconnectPeriod: 60_000 } });
      const webhook = new WebhookNotifier({ url, secret, clock, maxAttempts: 1 });
      // An hour between tries of a failing notifier: within this test it is tried once per start.
      const service = startMdmService({
        store, clock, timer: false, notifiers: [webhook, mqtt], notifyBackoff: { initialMs: 3_600_000, factor: 2, maxMs: 3_600_000 },
        onError: (error) => { errors.push((error as Error).message); },
      });
      cleanups.push(async () => { await service.stop(); await mqtt.close(); });
      return { service, mqtt };
    };
    const overVoltage = async (meter: string, at: number): Promise<void> => {
      const volts = 230 * 1.2;
      await store.appendSnapshots([{ meter: parseMeterId(meter), at,
        values: new Map([[Q.voltageL1, volts], [Q.voltageL2, volts], [Q.voltageL3, volts], [Q.activeEnergyImport, 1_000_000]]) }]);
    };

    let { service, mqtt } = start();
    await overVoltage('meter-q-1', t0);
    await overVoltage('meter-q-2', t0);
    clock.set(t0 + 60_000);
    assert.equal((await service.runOnce()).transitions, 2);
    for (let round = 0; round < 20; round++) await service.flushNotifications();
    assert.deepEqual(posts.map((p) => p.alarm).sort(), ['meter-q-1/over-voltage/1 raised', 'meter-q-2/over-voltage/1 raised'],
      'each transition reached the webhook once');
    assert.equal(new Set(posts.map((p) => p.delivery)).size, 2, 'two transitions, two delivery ids');
    const mqttErrors = errors.filter((message) => message.includes('not connected'));
    assert.equal(mqttErrors.length, 1, `the failing MQTT notifier is reported once per backoff, not at every round: ${errors.join(' | ')}`);
    assert.equal((await store.alarmTransitions({ unnotifiedOnly: true })).length, 2, 'not notified until every notifier has them');

    // A transition the webhook refuses (500) is tried again with the same delivery id: after a restart here.
    answers.push(500);
    await overVoltage('meter-q-3', t0 + quarterHour);
    clock.set(t0 + quarterHour + 60_000);
    await service.runOnce();
    await service.flushNotifications();
    const refused = posts.at(-1);
    assert.deepEqual([refused?.alarm, refused?.status], ['meter-q-3/over-voltage/1 raised', 500]);
    await service.stop();
    await mqtt.close();
    ({ service, mqtt } = start());
    await service.flushNotifications();
    const retried = posts.at(-1);
    assert.deepEqual([retried?.alarm, retried?.status], ['meter-q-3/over-voltage/1 raised', 200]);
    assert.equal(retried?.delivery, refused?.delivery, 'the retry carries the same Phasewire-Delivery id');
    assert.equal(posts.length, 4, 'nothing delivered before was sent again after the restart');
    await service.stop();
    await mqtt.close();
  });
});
