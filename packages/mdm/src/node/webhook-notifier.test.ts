import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, ManualClock, TransportError } from '@phasewire/core';
import { WebhookNotifier } from './webhook-notifier.ts';
import { signWebhook, verifyWebhookSignature } from './webhook-signature.ts';
import type { AlarmNotification } from '../alarms/notification.ts';

const secret = 'a-shared-secret-of-at-least-32-bytes!';
const clock = new ManualClock(Date.UTC(2024, 0, 29, 10, 0));
const delivery = { seq: 7, signal: new AbortController().signal };
const notification: AlarmNotification = {
  kind: 'phasewire.alarm', version: 1, id: 'meter-0001/voltage-unbalance/1', meter: 'meter-0001', alarm: 'voltage-unbalance', occurrence: 1,
  state: 'raised', previousState: 'normal', severity: 'warn', at: '2024-01-29T10:00:00.000Z', value: 2.2, peak: 2.2, unit: '%',
  reason: 'raised at warn (2.2 %)', reopened: 0, acknowledgement: null,
};

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A receiver on loopback that answers with the given statuses in turn (200 after the list ends). */
function receiver(statuses: number[]): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1',
      () => { resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/alarms`, received }); });
  });
}

const close = (server: Server): Promise<void> => new Promise((resolve) => { server.close(() => { resolve(); }); });
const header = (r: Received, name: string): string | undefined => {
  const value = r.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

describe('the webhook notifier against a local HTTP server', () => {
  let server: Server;
  let url: string;
  let received: Received[];
  const delays: number[] = [];

  before(async () => { ({ server, url, received } = await receiver([500])); });
  after(async () => { await close(server); });

  it('retries after a 500 and delivers a body whose signature the receiver verifies', async () => {
    const notifier = new WebhookNotifier({ url, secret, clock, sleep: (ms) => { delays.push(ms); return Promise.resolve(); } });
    await notifier.notify(notification, delivery);
    assert.equal(received.length, 2);
    assert.equal(delays.length, 1);
    assert.ok((delays[0] ?? 0) >= 250 && (delays[0] ?? 0) <= 500, `first backoff ${delays[0]} ms`);
    for (const r of received) {
      assert.equal(header(r, 'content-type'), 'application/json');
      assert.deepEqual(JSON.parse(r.body), notification);
      assert.ok(verifyWebhookSignature({ secret, body: r.body, timestamp: header(r, 'phasewire-timestamp'),
        signature: header(r, 'phasewire-signature'), now: clock.now(), toleranceMs: 300_000 }));
    }
    const [first, second] = received;
    assert.equal(header(first!, 'phasewire-delivery'), header(second!, 'phasewire-delivery'));
  });
});

describe('webhook failures', () => {
  it('gives up at once on a 400 with a TransportError', async () => {
    const { server, url, received } = await receiver([400]);
    try {
      const notifier = new WebhookNotifier({ url, secret, clock, sleep: () => Promise.resolve() });
      await assert.rejects(notifier.notify(notification, delivery), (error: unknown) => {
        assert.ok(error instanceof TransportError);
        assert.equal(error.code, 'PW_ERR_NOTIFY_FAILED');
        assert.match(error.message, /ended with HTTP 400/);
        return true;
      });
      assert.equal(received.length, 1);
    } finally {
      await close(server);
    }
  });

  it('tries as often as allowed when nobody listens, growing the backoff', async () => {
    const { server, url } = await receiver([]);
    await close(server);
    const delays: number[] = [];
    const notifier = new WebhookNotifier({ url, secret, clock, maxAttempts: 4, backoff: { initialMs: 100, factor: 2, maxMs: 300 },
      random: { next: () => 1 }, sleep: (ms) => { delays.push(ms); return Promise.resolve(); } });
    await assert.rejects(notifier.notify(notification, delivery), { code: 'PW_ERR_NOTIFY_FAILED' });
    assert.deepEqual(delays, [100, 200, 300]);
  });

  it('refuses plain HTTP off loopback and a short secret', () => {
    assert.throws(() => new WebhookNotifier({ url: 'http://example.com/hook', secret }),
      (error: unknown) => error instanceof ConfigError && error.code === 'PW_ERR_NOTIFY_CONFIG');
    assert.throws(() => new WebhookNotifier({ url: 'https://example.com/hook', secret: 'short' }), { code: 'PW_ERR_NOTIFY_CONFIG' });
    assert.throws(() => new WebhookNotifier({ url: 'not a url', secret }), { code: 'PW_ERR_NOTIFY_CONFIG' });
  });
});

describe('webhook signatures', () => {
  const body = JSON.stringify(notification);
  const timestamp = clock.now();
  const signature = signWebhook(secret, timestamp, body);
  const check = { secret, body, timestamp: String(timestamp), signature, now: timestamp + 1_000, toleranceMs: 300_000 };

  it('verifies the sender\'s signature', () => {
    assert.ok(verifyWebhookSignature(check));
  });

  it('refuses a changed body, another secret, an old timestamp and a missing header', () => {
    assert.ok(!verifyWebhookSignature({ ...check, body: body.replace('2.2', '1.2') }));
    assert.ok(!verifyWebhookSignature({ ...check, secret: `${secret}x` }));
    assert.ok(!verifyWebhookSignature({ ...check, now: timestamp + 600_000 }));
    assert.ok(!verifyWebhookSignature({ ...check, signature: undefined }));
    assert.ok(!verifyWebhookSignature({ ...check, timestamp: `${timestamp}; drop` }));
  });
});
