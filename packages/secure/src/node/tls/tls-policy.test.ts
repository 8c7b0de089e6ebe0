// The TLS policy on loopback: the one accepted handshake, then every refusal of SECURITY.md's
// transport section, each with the exact reason and no application byte accepted.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { connect } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { createCrl } from '../../pki/crl.ts';
import { keystoreSigner } from '../../pki/signer.ts';
import { toPem } from '../../pki/certificates.ts';
import type { TestCa, TestIdentity } from '../../testing/test-ca.ts';
import { createTestCa } from '../../testing/test-ca.ts';
import { tlsClientOptions, tlsTrust } from './tls-options.ts';
import type { RecordingServer } from '../../testing/tls-test-kit.ts';
import { attempt, startRecordingServer } from '../../testing/tls-test-kit.ts';

let testCa: TestCa;
let server: RecordingServer;
let good: TestIdentity;

/** A client that does not follow the policy: raw options, for the refusals it must meet. */
function rogue(identity: TestIdentity | undefined, extra: ConnectionOptions = {}): ConnectionOptions {
  return {
    port: server.port,
    ca: testCa.anchors,
    ...(identity === undefined ? {} : { cert: identity.certificateChain, key: identity.privateKey }),
    ...extra,
  };
}

async function expectRefused(options: ConnectionOptions, reason: string, detail?: RegExp): Promise<void> {
  const result = await attempt(options);
  const refusal = await server.nextRefusal();
  assert.equal(refusal.reason, reason);
  if (detail !== undefined) assert.match(refusal.detail, detail);
  assert.equal(result.reply, '', 'the server sent no application data');
  assert.equal(server.received(), 0, 'no application byte was accepted');
  assert.equal(server.accepted.length, 0, 'the handler never saw the peer');
}

describe('the TLS policy on a mutual-TLS listener', () => {
  before(async () => {
    testCa = await createTestCa();
    good = await testCa.device('m-good');
    server = await startRecordingServer({
      identity: await testCa.server(),
      trust: await testCa.trust(),
      revocations: () => testCa.revocations(),
    });
  });
  after(async () => {
    await server.close();
    await testCa.close();
  });
  beforeEach(() => { server.reset(); });

  it('accepts a device with a current certificate over TLS 1.3, AES-256-GCM and P-384, and names the device', async () => {
    const result = await attempt({ port: server.port, ...tlsClientOptions(good, testCa.trustWithoutCrl) });
    assert.equal(result.errorCode, undefined);
    assert.equal(result.reply, 'ok\n');
    assert.equal(result.protocol, 'TLSv1.3');
    assert.equal(result.cipher, 'TLS_AES_256_GCM_SHA384');
    assert.equal(result.group, 'secp384r1');
    assert.equal(server.accepted[0]?.device?.id, 'm-good');
    assert.equal(server.accepted[0].device.kind, 'meter');
    assert.deepEqual(server.refusals, []);
  });

  it('refuses a TLS 1.2 client with protocol_version', async () => {
    const options = rogue(good, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    const result = await attempt(options);
    assert.equal(result.errorCode, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    assert.equal(result.secureConnect, false);
    assert.equal((await server.nextRefusal()).reason, 'protocol-version');
    assert.equal(server.received(), 0);
  });

  it('refuses a client that offers only TLS_AES_128_GCM_SHA256 with handshake_failure', async () => {
    const result = await attempt(rogue(good, { ciphers: 'TLS_AES_128_GCM_SHA256' }));
    assert.equal(result.errorCode, 'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE');
    assert.equal(result.secureConnect, false);
    assert.equal((await server.nextRefusal()).reason, 'no-shared-cipher');
    assert.equal(server.received(), 0);
  });

  for (const group of ['X25519', 'brainpoolP384r1tls13']) {
    it(`refuses a client that offers only ${group} for key exchange`, async () => {
      const result = await attempt(rogue(good, { ecdhCurve: group }));
      assert.equal(result.secureConnect, false);
      assert.equal(result.errorCode, 'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE');
      assert.equal((await server.nextRefusal()).reason, 'no-shared-group');
      assert.equal(server.received(), 0);
    });
  }

  it('refuses a client without a certificate with certificate_required', async () => {
    const result = await attempt(rogue(undefined));
    assert.equal(result.errorCode, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    assert.equal((await server.nextRefusal()).reason, 'no-certificate');
    assert.equal(server.received(), 0);
  });

  it('refuses a certificate from a foreign CA with the same names', async () => {
    await expectRefused(
      rogue(await testCa.foreignDevice('m-good')), 'unknown-ca', /^(UNABLE_TO_GET_CRL|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/,
    );
  });

  it('refuses an expired certificate', async () => {
    await expectRefused(rogue(await testCa.device('m-expired', { state: 'expired' })), 'expired', /CERT_HAS_EXPIRED/);
  });

  it('refuses a certificate that is not yet valid', async () => {
    await expectRefused(rogue(await testCa.device('m-early', { state: 'not-yet-valid' })), 'not-yet-valid', /CERT_NOT_YET_VALID/);
  });

  it('refuses a certificate without clientAuth (a server certificate presented by a client)', async () => {
    await expectRefused(rogue(await testCa.device('m-server-usage', { usage: 'server' })), 'wrong-usage', /INVALID_PURPOSE/);
  });

  it('refuses a certificate revoked in the CRL the listener loaded', async () => {
    const revoked = await testCa.device('m-revoked', { state: 'revoked' });
    server.server.update(await testCa.trust());
    await expectRefused(rogue(revoked), 'revoked', /CERT_REVOKED/);
  });

  it('refuses a resumed session of a certificate revoked after the ticket was issued', async () => {
    const device = await testCa.device('m-resumes');
    const client = tlsClientOptions(device, testCa.trustWithoutCrl);
    const first = await attempt({ port: server.port, ...client });
    assert.equal(first.reply, 'ok\n');
    assert.ok(first.session, 'the server issued a session ticket');
    const resumed = await attempt({ port: server.port, ...client, session: first.session });
    assert.equal(resumed.resumed, true);
    assert.equal(resumed.reply, 'ok\n');
    assert.equal(server.accepted[1]?.resumed, true);
    assert.equal(server.accepted[1].device?.id, 'm-resumes');

    await testCa.revoke(device);
    server.reset();
    // OpenSSL does not verify a resumed session again: the listener's own check refuses it.
    await expectRefused({ port: server.port, ...client, session: first.session }, 'revoked', /revoked/);
  });

  it('closes the live session of a device when its certificate is revoked', async () => {
    const device = await testCa.device('m-live');
    const socket = connect({ port: server.port, host: '127.0.0.1', ...tlsClientOptions(device, testCa.trustWithoutCrl) });
    await new Promise((resolve) => socket.once('data', resolve));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await testCa.revoke(device);
    assert.equal(server.server.policy.enforceRevocations(), 1);
    await closed;
    assert.equal((await server.nextRefusal()).reason, 'revoked');
  });

  it('closes a connection that reaches the maximum age, and stops resuming tickets of a rotated key', async () => {
    const short = await startRecordingServer({
      identity: await testCa.server(), trust: await testCa.trust(), revocations: () => testCa.revocations(),
      maxConnectionAgeMs: 100, ticketKeyRotationMs: 1_000,
    });
    try {
      const client = tlsClientOptions(good, testCa.trustWithoutCrl);
      const socket = connect({ port: short.port, host: '127.0.0.1', ...client });
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('data', resolve));
      await new Promise((resolve) => socket.once('close', resolve));
      // A ticket resumes while its key is current. The key changes every second from the server's start,
      // so on a loaded machine a pair of handshakes can straddle a rotation: try a few pairs.
      let first = await attempt({ port: short.port, ...client });
      let resumed = false;
      for (let pair = 0; pair < 5 && !resumed; pair++) {
        if (pair > 0) first = await attempt({ port: short.port, ...client });
        resumed = (await attempt({ port: short.port, ...client, session: first.session })).resumed;
      }
      assert.equal(resumed, true, 'a ticket of the current key resumes');
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      const after = await attempt({ port: short.port, ...client, session: first.session });
      assert.equal(after.reply, 'ok\n');
      assert.equal(after.resumed, false, 'a full handshake after the ticket key rotated');
    } finally {
      await short.close();
    }
  });

  it('refuses every client, fail closed, when its CRL is past nextUpdate', async () => {
    const now = Date.now();
    const stale = { number: 99, thisUpdate: now - 3 * 86_400_000, nextUpdate: now - 86_400_000, entries: [] };
    const issuing = await createCrl({
      ...stale, issuer: testCa.ca.issuing, signer: await keystoreSigner(testCa.keystore, 'test-issuing-ca'),
    });
    const root = await createCrl({ ...stale, issuer: testCa.ca.root, signer: await keystoreSigner(testCa.keystore, 'test-root-ca') });
    server.server.update(tlsTrust(testCa.anchors, toPem(issuing, 'X509 CRL') + toPem(root, 'X509 CRL')));
    try {
      await expectRefused(rogue(good), 'crl-stale', /CRL_HAS_EXPIRED/);
    } finally {
      server.server.update(await testCa.trust());
    }
  });
});
