// Refused TLS handshakes on the MQTT port come in floods: the log has the first of each reason in
// full and then a count per interval (sampled-log.ts), not a line each.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { tlsClientOptions } from '@phasewire/secure/node';
import type { TestIdentity } from '@phasewire/secure/testing';
import { headEndFixture } from '../testing/headend-test-kit.ts';
import type { HeadEndFixture } from '../testing/headend-test-kit.ts';

function handshake(port: number, identity: TestIdentity, f: HeadEndFixture): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ...tlsClientOptions(identity, f.ca.trustWithoutCrl, { servername: 'localhost' }) });
    socket.on('error', () => undefined);
    socket.once('close', () => { resolve(); });
  });
}

describe('the log of refused TLS handshakes on the MQTT port', { timeout: 60_000 }, () => {
  let f: HeadEndFixture;
  before(async () => { f = await headEndFixture('embedded'); });
  after(async () => { await f.close(); });

  it('writes one line for 40 handshakes refused for one reason', async () => {
    const foreign = await f.ca.foreignDevice('meter-foreign-1');
    for (let i = 0; i < 40; i++) await handshake(f.headEnd.port, foreign, f);
    const lines = f.events.filter((event) => event.msg.startsWith('TLS handshake refused'));
    assert.equal(lines.length, 1, lines.map((event) => event.msg).join('\n'));
    assert.equal(lines[0]?.reason, 'unknown-ca');
  });
});

