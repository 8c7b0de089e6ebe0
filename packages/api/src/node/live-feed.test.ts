// The live feed over a real WebSocket: a reading reaches the client after it is stored and
// published, never another tenant's; the Origin and the credentials are checked at the upgrade; a
// client that does not read has its messages coalesced and dropped within a bound; a socket is
// closed with 4401 when the session or token behind it ends.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { once } from 'node:events';
import { parseMeterId, Q } from '@phasewire/core';
import { WebSocket } from 'ws';
import type { ApiRig } from '../testing/api-test-kit.ts';
import { password, startApiRig } from '../testing/api-test-kit.ts';
import { liveClose } from './live-feed.ts';

function open(rig: ApiRig, headers: Record<string, string>): WebSocket {
  return new WebSocket(`wss://localhost:${rig.server.port}/api/v1/live`, { ca: rig.ca.anchors, headers });
}

/** Resolves with the HTTP status of a refused upgrade, or 101 when the socket opened. */
function upgradeStatus(socket: WebSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once('open', () => { socket.close(); resolve(101); });
    socket.once('unexpected-response', (request, response) => { request.destroy(); resolve(response.statusCode ?? 0); });
    socket.once('error', reject);
  });
}

describe('live feed', () => {
  let rig: ApiRig;
  before(async () => { rig = await startApiRig(); });
  after(async () => { await rig.close(); });
  const own = () => ({ origin: `https://localhost:${rig.server.port}` });

  it('sends a reading after it is stored, and never another tenant\'s', async () => {
    const socket = open(rig, { ...own(), cookie: `pw_session=${rig.sessions.get('viewer')!.cookie}` });
    const messages: { type: string; meter?: string; values?: Record<string, number> }[] = [];
    socket.on('message', (data: Buffer) => { messages.push(JSON.parse(data.toString('utf8')) as { type: string }); });
    await once(socket, 'open');
    const at = Date.UTC(2026, 0, 15, 10, 5, 0);
    for (const meter of ['m-b1', 'm-a1']) {
      const values = new Map([[Q.voltageL1, 239.5]]);
      await rig.store.appendSnapshots([{ meter: parseMeterId(meter), at, values }]);
      rig.hub.publishSnapshots([{ meter: parseMeterId(meter), at, values }]);
    }
    rig.hub.publish({ type: 'alarm', alarm: rig.alarms.get('al-9')! });
    rig.hub.publish({ type: 'alarm', alarm: rig.alarms.get('al-1')! });
    while (messages.length < 2) await once(socket, 'message');
    assert.deepEqual(messages.map((m) => `${m.type} ${m.meter ?? ''}`), ['reading m-a1', 'alarm ']);
    assert.equal(messages[0]?.values?.[Q.voltageL1], 239.5);
    const stored = await rig.store.latest(parseMeterId('m-a1'));
    assert.equal(stored.find((r) => r.quantity === Q.voltageL1)?.value, 239.5);
    socket.close();
  });

  it('narrows readings to the meters the client subscribes to, and sends meter state on revocation', async () => {
    const socket = open(rig, { ...own(), cookie: `pw_session=${rig.sessions.get('operator')!.cookie}` });
    const messages: { type: string; meter?: string; state?: string; online?: boolean }[] = [];
    socket.on('message', (data: Buffer) => { messages.push(JSON.parse(data.toString('utf8')) as { type: string }); });
    await once(socket, 'open');
    socket.send(JSON.stringify({ type: 'subscribe', meters: ['m-a2'] }));
    // The subscription is applied in order with the client's messages: wait for the server to see it.
    while (rig.server.liveStats.sockets < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    rig.hub.publish({ type: 'reading', meter: 'm-a1', at: Date.UTC(2026, 0, 15, 10), values: { [Q.voltageL1]: 1 } });
    rig.hub.publish({ type: 'reading', meter: 'm-a2', at: Date.UTC(2026, 0, 15, 10), values: { [Q.voltageL1]: 2 } });
    const revoked = await rig.call('POST', '/api/v1/meters/m-x-analyst/revoke',
      { session: rig.sessions.get('operator')!, body: { reason: 'decommissioned' } });
    assert.equal(revoked.status, 200);
    while (messages.length < 2) await once(socket, 'message');
    assert.deepEqual(messages.map((m) => `${m.type} ${m.meter ?? ''}`), ['reading m-a2', 'meter m-x-analyst']);
    assert.equal(messages[1]?.state, 'revoked');
    assert.equal(messages[1].online, false);
    socket.close();
  });

  it('sorts the fleet worst voltage unbalance first from the live readings', async () => {
    const at = Date.UTC(2026, 0, 15, 10, 10);
    const reading = (meter: string, u3: number) => ({ type: 'reading' as const, meter, at,
      values: { [Q.voltageL1]: 230, [Q.voltageL2]: 230, [Q.voltageL3]: u3, [Q.angleVoltageL2]: 120, [Q.angleVoltageL3]: 240 } });
    rig.hub.publish(reading('m-a1', 228));
    rig.hub.publish(reading('m-a2', 200));
    const answer = await rig.call('GET', '/api/v1/meters?limit=3', { session: rig.sessions.get('viewer')! });
    const items = (answer.json as { items: { id: string; vufPercent: number | null }[] }).items;
    assert.deepEqual(items.map((m) => m.id), ['m-a2', 'm-a1', 'm-x-admin']);
    assert.equal((items[0]?.vufPercent ?? 0) > (items[1]?.vufPercent ?? 0), true);
    assert.equal(items[2]?.vufPercent, null);
  });

  it('refuses an upgrade from another origin, without credentials, or by cookie without an Origin', async () => {
    const cookie = `pw_session=${rig.sessions.get('viewer')!.cookie}`;
    assert.equal(await upgradeStatus(open(rig, { origin: 'https://evil.example', cookie })), 403);
    assert.equal(await upgradeStatus(open(rig, own())), 401);
    assert.equal(await upgradeStatus(open(rig, { cookie })), 403);
    const { token } = rig.auth.createToken({ name: 'feed', scopes: ['read'], tenant: 'default', lifetimeMs: 3_600_000, createdBy: 'test' });
    assert.equal(await upgradeStatus(open(rig, { authorization: `Bearer ${token}` })), 101);
  });
});

describe('live feed backpressure', () => {
  it('coalesces and drops for a client that cannot keep up, within a bound', async () => {
    // A high-water mark of 0 makes every socket "slow": nothing is sent, everything is pending.
    const rig = await startApiRig({ liveLimits: { highWaterBytes: 0, maxPending: 2, flushIntervalMs: 10 } });
    try {
      const socket =
        open(rig, { origin: `https://localhost:${rig.server.port}`, cookie: `pw_session=${rig.sessions.get('viewer')!.cookie}` });
      let received = 0;
      socket.on('message', () => { received += 1; });
      await once(socket, 'open');
      for (let i = 0; i < 1000; i++) {
        for (const meter of ['m-a1', 'm-a2', 'm-x-admin']) rig.hub.publish({ type: 'reading', meter, at: i, values: { [Q.voltageL1]: i } });
      }
      const stats = rig.server.liveStats;
      // Two keys fit: their readings replace each other; the third meter's are dropped.
      assert.equal(stats.coalesced, 2 * 999);
      assert.equal(stats.dropped, 1000);
      assert.equal(received, 0);
      socket.close();
      await once(socket, 'close');
    } finally {
      await rig.close();
    }
  });
});

/** Resolves with the close code and reason once the server closes the socket. */
function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    socket.once('close', (code: number, reason: Buffer) => { resolve({ code, reason: reason.toString('utf8') }); });
  });
}

/** The live feed of a signed-in session, open. */
async function sessionFeed(rig: ApiRig, session: { cookie: string }): Promise<WebSocket> {
  const socket = open(rig, { origin: `https://localhost:${rig.server.port}`, cookie: `pw_session=${session.cookie}` });
  await once(socket, 'open');
  return socket;
}

describe('live feed when its authority is ended', { timeout: 20_000 }, () => {
  let rig: ApiRig;
  // No expiry sweep in this run: the API's own changes must close the sockets at once.
  before(async () => { rig = await startApiRig({ liveLimits: { authorityCheckMs: 3_600_000 } }); });
  after(async () => { await rig.close(); });
  const feedOf = (session: { cookie: string }): Promise<WebSocket> => sessionFeed(rig, session);

  it('closes the socket of a session that signs out, and only that one', async () => {
    const leaving = await rig.login('viewer');
    const staying = await rig.login('viewer');
    const [gone, kept] = [await feedOf(leaving), await feedOf(staying)];
    const end = closed(gone);
    let keptClosed = false;
    kept.once('close', () => { keptClosed = true; });
    assert.equal((await rig.call('DELETE', '/api/v1/session', { session: leaving })).status, 204);
    const { code, reason } = await end;
    assert.equal(code, liveClose.authorityEnded);
    assert.match(reason, /session ended/);
    // The other session's socket still gets the feed.
    const message = once(kept, 'message');
    rig.hub.publish({ type: 'reading', meter: 'm-a1', at: Date.UTC(2026, 0, 15, 10), values: { [Q.voltageL1]: 231 } });
    assert.equal((JSON.parse(String((await message)[0])) as { meter?: string }).meter, 'm-a1');
    assert.equal(keptClosed, false);
    kept.close();
  });

  it('closes the sockets of a user whose password changes elsewhere, who is disabled, or whose token is revoked', async () => {
    const admin = await rig.login('admin');
    const userId = await rig.addUser('feed-user', 'viewer');
    const other = await rig.login('feed-user');
    const current = await rig.login('feed-user');
    const [otherFeed, currentFeed] = [await feedOf(other), await feedOf(current)];
    const otherEnd = closed(otherFeed);
    let currentClosed = false;
    currentFeed.once('close', () => { currentClosed = true; });
    // A password change ends the user's other sessions; the one that changed it stays.
    const changed = await rig.call('POST', '/api/v1/users/me/password',
      { session: current, body: { current: password, next: 'another long pass phrase' } });
    assert.equal(changed.status, 204);
    assert.equal((await otherEnd).code, liveClose.authorityEnded);
    assert.equal(currentClosed, false);

    const currentEnd = closed(currentFeed);
    assert.equal((await rig.call('PATCH', `/api/v1/users/${userId}`, { session: admin, body: { disabled: true } })).status, 200);
    assert.equal((await currentEnd).code, liveClose.authorityEnded);

    const created = await rig.call('POST', '/api/v1/tokens', { session: admin, body: { name: 'feed', scopes: ['read'] } });
    const { id, token } = created.json as { id: string; token: string };
    const tokenFeed = open(rig, { authorization: `Bearer ${token}` });
    await once(tokenFeed, 'open');
    const tokenEnd = closed(tokenFeed);
    assert.equal((await rig.call('DELETE', `/api/v1/tokens/${id}`, { session: admin })).status, 204);
    const { code, reason } = await tokenEnd;
    assert.equal(code, liveClose.authorityEnded);
    assert.match(reason, /token was revoked/);
  });
});

describe('live feed when its authority runs out', { timeout: 20_000 }, () => {
  let rig: ApiRig;
  // The expiry sweep runs often here; the tests move the injected clock, never wait for the real one.
  before(async () => { rig = await startApiRig({ liveLimits: { authorityCheckMs: 10 } }); });
  after(async () => { await rig.close(); });
  const feedOf = (session: { cookie: string }): Promise<WebSocket> => sessionFeed(rig, session);

  it('closes a socket when its session passes the idle timeout, by the injected clock', async () => {
    const session = await rig.login('analyst');
    const socket = await feedOf(session);
    const end = closed(socket);
    rig.clock.advance(30 * 60_000 + 1);
    const { code, reason } = await end;
    assert.equal(code, liveClose.authorityEnded);
    assert.match(reason, /idle/);
    // Reconnecting with the same cookie is refused.
    assert.equal(await upgradeStatus(open(rig, { origin: `https://localhost:${rig.server.port}`, cookie: `pw_session=${session.cookie}` })),
      401);
  });

  it('closes a socket when its session reaches its absolute lifetime, though it was used all along', async () => {
    const session = await rig.login('operator');
    const socket = await feedOf(session);
    const end = closed(socket);
    // A request every 20 minutes keeps the session from idling; 12 hours end it anyway.
    for (let step = 0; step < 35; step++) {
      rig.clock.advance(20 * 60_000);
      assert.equal((await rig.call('GET', '/api/v1/session', { session })).status, 200, `request ${step}`);
    }
    rig.clock.advance(21 * 60_000);
    const { code, reason } = await end;
    assert.equal(code, liveClose.authorityEnded);
    assert.match(reason, /expired/);
  });

  it('closes a bearer token\'s socket when the token expires', async () => {
    const { token } = rig.auth.createToken({ name: 'short', scopes: ['read'], tenant: 'default', lifetimeMs: 60_000, createdBy: 'test' });
    const socket = open(rig, { authorization: `Bearer ${token}` });
    await once(socket, 'open');
    const end = closed(socket);
    rig.clock.advance(60_000);
    const { code, reason } = await end;
    assert.equal(code, liveClose.authorityEnded);
    assert.match(reason, /token expired/);
  });
});
