// What a policy listener holds open for clients that never finish TLS: a silent connection is
// closed at the handshake timeout, and the connections open at once are bounded in total and per
// remote address from the TCP accept on (loopback has the whole 127/8, so several client addresses).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { TestCa } from '../../testing/test-ca.ts';
import { createTestCa } from '../../testing/test-ca.ts';
import { createPolicyServer } from './policy-server.ts';
import type { PolicyServer } from './policy-server.ts';
import type { LimitEvent } from './connection-gate.ts';
import type { RefusalEvent } from './listener-policy.ts';

/** A TCP connection from `localAddress` that sends nothing; resolves once connected. */
function silent(port: number, localAddress = '127.0.0.1'): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    const closed = new Promise<void>((done) => { socket.once('close', () => { done(); }); });
    socket.on('error', () => undefined);
    socket.once('connect', () => { resolve({ socket, closed }); });
    socket.once('error', reject);
  });
}

async function until(predicate: () => boolean, what: string | (() => string), timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('connections that never finish TLS', { timeout: 60_000 }, () => {
  let testCa: TestCa;
  const servers: PolicyServer[] = [];
  const sockets: Socket[] = [];
  before(async () => { testCa = await createTestCa(); });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    for (const server of servers) await server.close();
    await testCa.close();
  });

  const start = async (
    options: Partial<Parameters<typeof createPolicyServer>[0]>,
  ): Promise<{ port: number; server: PolicyServer; refusals: RefusalEvent[]; limited: LimitEvent[] }> => {
    const refusals: RefusalEvent[] = [];
    const limited: LimitEvent[] = [];
    const server = createPolicyServer({
      identity: await testCa.server(), trust: testCa.trustWithoutCrl, revocations: () => testCa.revocations(),
      onRefused: (event) => { refusals.push(event); }, onLimited: (event) => { limited.push(event); }, ...options,
    }, () => undefined);
    servers.push(server);
    return { port: await server.listen(0, '127.0.0.1'), server, refusals, limited };
  };

  it('closes each of 200 silent connections at the handshake timeout, and reports each', async () => {
    const { port, server, refusals } = await start({
      server: { handshakeTimeoutMs: 300 }, limits: { maxConnections: 1000, maxPerAddress: 1000 },
    });
    const opened = await Promise.all(Array.from({ length: 200 }, () => silent(port)));
    sockets.push(...opened.map((entry) => entry.socket));
    // The server closes them: the clients see the close without having sent or closed anything.
    let closed = 0;
    for (const entry of opened) void entry.closed.then(() => { closed += 1; });
    await until(() => closed === 200, () => `the server to close 200 silent connections (closed: ${closed})`, 10_000);
    await until(() => server.budget.open === 0, 'the listener to count the closed connections');
    assert.equal(refusals.length, 200);
    assert.ok(refusals.every((event) => event.reason === 'handshake-timeout'));
  });

  it('holds at most maxPerAddress connections from one address, and others still get in', async () => {
    const { port, server, limited } = await start({ limits: { maxConnections: 100, maxPerAddress: 5 } });
    const first = await Promise.all(Array.from({ length: 5 }, () => silent(port, '127.0.0.2')));
    sockets.push(...first.map((entry) => entry.socket));
    await until(() => server.budget.openFrom('127.0.0.2') === 5, 'five connections to be counted');
    const over = await Promise.all(Array.from({ length: 10 }, () => silent(port, '127.0.0.2')));
    sockets.push(...over.map((entry) => entry.socket));
    await Promise.all(over.map((entry) => entry.closed));
    assert.equal(limited.length, 10);
    assert.ok(limited.every((event) => event.limit === 'per-address' && event.remoteAddress === '127.0.0.2'));
    const other = await silent(port, '127.0.0.3');
    sockets.push(other.socket);
    await until(() => server.budget.open === 6, 'the other address to be admitted');
    assert.equal(other.socket.destroyed, false);
    // Closing one gives its place back.
    first[0]?.socket.destroy();
    await until(() => server.budget.openFrom('127.0.0.2') === 4, 'the closed connection to be given back');
    const again = await silent(port, '127.0.0.2');
    sockets.push(again.socket);
    await until(() => server.budget.openFrom('127.0.0.2') === 5, 'a new connection from the address to be admitted');
    assert.equal(limited.length, 10);
  });

  it('closes connections still in their handshake when the listener closes', { timeout: 10_000 }, async () => {
    const { port, server } = await start({});
    const opened = await Promise.all(Array.from({ length: 3 }, () => silent(port)));
    sockets.push(...opened.map((entry) => entry.socket));
    await until(() => server.budget.open === 3, 'three connections to be counted');
    await server.close();
    await Promise.all(opened.map((entry) => entry.closed));
    await until(() => server.budget.open === 0, 'the closed connections to be given back');
  });

  it('holds at most maxConnections in total, whatever the addresses', async () => {
    const { port, server, limited } = await start({ limits: { maxConnections: 12, maxPerAddress: 4 } });
    const addresses = ['127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7', '127.0.0.8'];
    const opened = await Promise.all(addresses.flatMap((address) => Array.from({ length: 4 }, () => silent(port, address))));
    sockets.push(...opened.map((entry) => entry.socket));
    await until(() => limited.length === 8, 'eight connections over the limit to be refused');
    assert.equal(server.budget.open, 12);
    assert.equal(limited.filter((event) => event.limit === 'total').length, 8);
    assert.equal(opened.filter((entry) => !entry.socket.destroyed).length, 12);
  });
});
