// Envelope-key provisioning on loopback: a meter's certificate gets exactly the key the head-end's
// ingest derives for it, and nothing else gets a key: no certificate, a foreign CA, a certificate
// with the wrong usage, one that names no meter, a revoked one (by the CRL in the handshake, and
// by the revocation set after it), a wrong method or path. The client side refuses any answer that
// is not a key id and a 32-byte key.
import assert from 'node:assert/strict';
import { createServer, request } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { hasCode, parseMeterId } from '@phasewire/core';
import type { MeterId } from '@phasewire/core';
import type { Keystore } from '../../keystore.ts';
import { createMemoryKeystore } from '../pki/memory-keystore.ts';
import type { TestCa, TestIdentity } from '../../testing/test-ca.ts';
import { createTestCa } from '../../testing/test-ca.ts';
import type { RefusalEvent } from '../tls/listener-policy.ts';
import type { RefusalReason } from '../../tls/peer-check.ts';
import type { TlsIdentity, TlsTrust } from '../tls/tls-options.ts';
import { tlsClientOptions, tlsServerOptions } from '../tls/tls-options.ts';
import type { KeyProvisioningServer } from './key-provisioning.ts';
import { deriveDeviceEnvelopeKey, envelopeKeyPath, fetchEnvelopeKey, startKeyProvisioningServer } from './key-provisioning.ts';

const masterLabel = 'envelope-master';
const keyId = 3;

/** Refusals a listener reported, and a way to wait for the next one. */
class RefusalLog {
  readonly events: RefusalEvent[] = [];
  #waiting: ((event: RefusalEvent) => void) | undefined;
  #seen = 0;

  readonly record = (event: RefusalEvent): void => {
    this.events.push(event);
    const resolve = this.#waiting;
    if (resolve !== undefined) {
      this.#waiting = undefined;
      this.#seen = this.events.length;
      resolve(event);
    }
  };

  /**
   * The first refusal not yet returned, waiting for it if need be: a listener that reports none
   * within 10 s fails the test instead of hanging it.
   */
  next(): Promise<RefusalEvent> {
    return new Promise((resolve, reject) => {
      const event = this.events[this.#seen];
      if (event !== undefined) {
        this.#seen += 1;
        resolve(event);
        return;
      }
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        reject(new Error('the listener reported no refusal'));
      }, 10_000);
      this.#waiting = (next) => {
        clearTimeout(timer);
        resolve(next);
      };
    });
  }
}

interface Listener {
  readonly server: KeyProvisioningServer;
  readonly refusals: RefusalLog;
  /** The devices the handler was asked a key for, in order. */
  readonly asked: MeterId[];
}

let testCa: TestCa;
let keystore: Keystore;
let serverIdentity: TestIdentity;
let listener: Listener;

async function startListener(trust: TlsTrust, withRevocationSet: boolean): Promise<Listener> {
  const refusals = new RefusalLog();
  const asked: MeterId[] = [];
  const server = await startKeyProvisioningServer(serverIdentity, trust, {
    keyFor: async (device) => {
      asked.push(device);
      return { keyId, key: await deriveDeviceEnvelopeKey(keystore, masterLabel, device, keyId) };
    },
    onRefused: refusals.record,
    ...(withRevocationSet ? { revocations: () => testCa.revocations() } : {}),
  });
  return { server, refusals, asked };
}

/** One HTTPS request, for what fetchEnvelopeKey would never send. */
function call(
  url: string,
  identity: TlsIdentity | undefined,
  trust: TlsTrust,
  method: string,
  path: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(new URL(path, url), { method, agent: false, ...tlsClientOptions(identity, trust) }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => { resolve({ status: response.statusCode ?? 0, body }); });
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

const provisioningRefused = (error: unknown): boolean => hasCode(error, 'PW_ERR_AGENT_KEY_PROVISIONING');

/** The client is refused, the listener reports `reason`, and no key was derived. */
async function expectTlsRefusal(target: Listener, identity: TlsIdentity, reason: RefusalReason): Promise<void> {
  const asked = target.asked.length;
  const refused = target.refusals.next();
  await assert.rejects(fetchEnvelopeKey(target.server.url, identity, testCa.trustWithoutCrl), provisioningRefused);
  assert.equal((await refused).reason, reason);
  assert.equal(target.asked.length, asked, 'no key was asked for');
}

describe('envelope-key provisioning over mutual TLS', () => {
  before(async () => {
    testCa = await createTestCa();
    keystore = createMemoryKeystore();
    await keystore.generateSecret(masterLabel);
    serverIdentity = await testCa.server();
    listener = await startListener(testCa.trustWithoutCrl, true);
  });
  after(async () => {
    await listener.server.close();
    await testCa.close();
  });

  it('gives a meter the key the head-end derives for it, under the key id', async () => {
    const meterA = await testCa.device('meter-kp-a');
    const meterB = await testCa.device('meter-kp-b');
    const a = await fetchEnvelopeKey(listener.server.url, meterA, testCa.trustWithoutCrl);
    const b = await fetchEnvelopeKey(listener.server.url, meterB, testCa.trustWithoutCrl);
    assert.equal(a.keyId, keyId);
    assert.deepEqual(a.key, await deriveDeviceEnvelopeKey(keystore, masterLabel, parseMeterId('meter-kp-a'), keyId));
    assert.deepEqual(b.key, await deriveDeviceEnvelopeKey(keystore, masterLabel, parseMeterId('meter-kp-b'), keyId));
    assert.notDeepEqual(a.key, b.key);
    // The device is the one the certificate names, never anything the request says.
    assert.deepEqual(listener.asked.slice(-2), ['meter-kp-a', 'meter-kp-b']);
  });

  it('refuses a client without a certificate in the handshake', async () => {
    const asked = listener.asked.length;
    const refused = listener.refusals.next();
    await assert.rejects(call(listener.server.url, undefined, testCa.trustWithoutCrl, 'GET', envelopeKeyPath));
    assert.equal((await refused).reason, 'no-certificate');
    assert.equal(listener.asked.length, asked);
  });

  it('refuses a meter certificate from a foreign CA', async () => {
    await expectTlsRefusal(listener, await testCa.foreignDevice('meter-kp-a'), 'unknown-ca');
  });

  it('refuses a server certificate presented by a client (wrong key usage)', async () => {
    await expectTlsRefusal(listener, await testCa.device('meter-kp-c', { usage: 'server' }), 'wrong-usage');
  });

  it('answers 403 with the code to a device certificate that names no meter', async () => {
    const gateway = await testCa.device('gateway-kp-1', { kind: 'gateway' });
    const asked = listener.asked.length;
    const answer = await call(listener.server.url, gateway, testCa.trustWithoutCrl, 'GET', envelopeKeyPath);
    assert.equal(answer.status, 403);
    assert.match(answer.body, /^PW_ERR_AGENT_KEY_PROVISIONING: the client certificate names no meter/);
    await assert.rejects(fetchEnvelopeKey(listener.server.url, gateway, testCa.trustWithoutCrl),
      (error) => provisioningRefused(error) && error instanceof Error && /HTTP 403/.test(error.message));
    assert.equal(listener.asked.length, asked, 'no key was asked for');
  });

  it('refuses a certificate revoked after the listener started (the revocation set, at every handshake)', async () => {
    const meter = await testCa.device('meter-kp-d');
    await fetchEnvelopeKey(listener.server.url, meter, testCa.trustWithoutCrl);
    await testCa.revoke(meter);
    await expectTlsRefusal(listener, meter, 'revoked');
  });

  it('refuses a revoked certificate by the CRL in the handshake', async () => {
    const revoked = await testCa.device('meter-kp-e', { state: 'revoked' });
    // No revocation set: only the CRL the listener was given can refuse it.
    const withCrl = await startListener(await testCa.trust(), false);
    try {
      await expectTlsRefusal(withCrl, revoked, 'revoked');
      const good = await testCa.device('meter-kp-f');
      assert.equal((await fetchEnvelopeKey(withCrl.server.url, good, testCa.trustWithoutCrl)).keyId, keyId);
    } finally {
      await withCrl.server.close();
    }
  });

  it('answers 404 to any other method or path, without deriving a key', async () => {
    const meter = await testCa.device('meter-kp-h');
    const asked = listener.asked.length;
    for (const [method, path] of [
      ['POST', envelopeKeyPath], ['PUT', envelopeKeyPath], ['GET', '/.well-known/phasewire/other'], ['GET', '/'],
    ] as const) {
      const answer = await call(listener.server.url, meter, testCa.trustWithoutCrl, method, path);
      assert.equal(answer.status, 404, `${method} ${path}`);
    }
    assert.equal(listener.asked.length, asked);
  });
});

describe('fetchEnvelopeKey refuses an answer that is not a key', () => {
  let meter: TestIdentity;
  let answer: { status: number; type: string; body: string } = { status: 200, type: 'application/json', body: '' };
  let url: string;
  let close: () => Promise<void>;

  before(async () => {
    testCa = await createTestCa();
    serverIdentity = await testCa.server();
    meter = await testCa.device('meter-kp-z');
    // A listener that says whatever the test tells it to, to a client with a good certificate.
    const options = tlsServerOptions(serverIdentity, testCa.trustWithoutCrl);
    const server = createServer(options, (_request: IncomingMessage, response: ServerResponse) => {
      response.writeHead(answer.status, { 'content-type': answer.type });
      response.end(answer.body);
    });
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', () => { resolve(); }); });
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => { resolve(); });
    });
  });
  after(async () => {
    await close();
    await testCa.close();
  });

  const refusedAnswer = async (status: number, body: string, what: RegExp): Promise<void> => {
    answer = { status, type: 'application/json', body };
    await assert.rejects(fetchEnvelopeKey(url, meter, testCa.trustWithoutCrl),
      (error) => provisioningRefused(error) && error instanceof Error && what.test(error.message), body.slice(0, 60));
  };
  const key = (bytes: number): string => Buffer.alloc(bytes, 7).toString('base64');

  it('accepts a key id and a 32-byte key (the control case)', async () => {
    answer = { status: 200, type: 'application/json', body: JSON.stringify({ keyId: 1, key: key(32) }) };
    const provisioned = await fetchEnvelopeKey(url, meter, testCa.trustWithoutCrl);
    assert.equal(provisioned.keyId, 1);
    assert.deepEqual(provisioned.key, new Uint8Array(32).fill(7));
  });

  it('refuses a 200 whose key is not 32 bytes or whose key id is not a positive integer', async () => {
    const notAKey = /not a key id and a 32-byte key/;
    await refusedAnswer(200, JSON.stringify({ keyId: 1, key: key(31) }), notAKey);
    await refusedAnswer(200, JSON.stringify({ keyId: 1, key: key(33) }), notAKey);
    await refusedAnswer(200, JSON.stringify({ keyId: 1 }), notAKey);
    await refusedAnswer(200, JSON.stringify({ keyId: 1, key: 32 }), notAKey);
    await refusedAnswer(200, JSON.stringify({ keyId: 0, key: key(32) }), notAKey);
    await refusedAnswer(200, JSON.stringify({ keyId: 1.5, key: key(32) }), notAKey);
    await refusedAnswer(200, JSON.stringify({ keyId: '1', key: key(32) }), notAKey);
    await refusedAnswer(200, JSON.stringify({ key: key(32) }), notAKey);
    // Not canonical base64: Buffer.from would skip the stray characters and still find 32 bytes.
    await refusedAnswer(200, JSON.stringify({ keyId: 1, key: `${key(32).slice(0, 20)}!*${key(32).slice(20)}` }), notAKey);
    for (const value of ['null', '5', '"key"', '[1, "key"]']) await refusedAnswer(200, value, notAKey);
  });

  it('refuses a 200 that is not JSON', async () => {
    await refusedAnswer(200, 'here is your key', /not JSON/);
    await refusedAnswer(200, '', /not JSON/);
  });

  it('refuses an oversized answer without reading it all', async () => {
    await refusedAnswer(200, JSON.stringify({ keyId: 1, key: key(32), padding: 'x'.repeat(64 * 1024) }), /more than 4096 bytes/);
  });

  it('refuses any status but 200, naming it', async () => {
    await refusedAnswer(500, JSON.stringify({ keyId: 1, key: key(32) }), /HTTP 500/);
    await refusedAnswer(403, 'PW_ERR_AGENT_KEY_PROVISIONING: no envelope key', /HTTP 403/);
  });
});
