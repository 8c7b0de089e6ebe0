// Enrollment end to end on loopback: the happy path (the certificate chains to the root, names the
// device, carries clientAuth and opens an mTLS session under the policy) and every refusal, each
// with its status and code and nothing issued.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ManualClock } from '@phasewire/core';
import { encodeBase64 } from '../../enroll/base64.ts';
import { encodeCertsOnly } from '../../enroll/certs-only.ts';
import { EstService } from '../../enroll/est-service.ts';
import { MemoryTokenStore } from '../../testing/memory-token-store.ts';
import { derOf, parseCertificate, parseCertificateChain, toPem } from '../../pki/certificates.ts';
import { createDeviceCsr } from '../../pki/csr.ts';
import { deviceIdentity } from '../../pki/device-identity.ts';
import { keystoreSigner } from '../../pki/signer.ts';
import * as x509 from '../../pki/x509.ts';
import { createMemoryKeystore } from '../pki/memory-keystore.ts';
import type { TestCa } from '../../testing/test-ca.ts';
import { createTestCa } from '../../testing/test-ca.ts';
import { generateSoftwareKey } from '../tls/software-key.ts';
import { tlsClientOptions, tlsIdentity, tlsTrust } from '../tls/tls-options.ts';
import { attempt, startRecordingServer } from '../../testing/tls-test-kit.ts';
import { EnrollmentRefusedError, enrollDevice, fetchCaCertificates } from './est-client.ts';
import type { EstServer } from './est-server.ts';
import { startEstServer } from './est-server.ts';
import { TokenFileStore } from './token-file-store.ts';

const run = promisify(execFile);
const day = 86_400_000;

let testCa: TestCa;
let clock: ManualClock;
let service: EstService;
let est: EstServer;
let scratch: string;

const meter = (id: string) => deviceIdentity('meter', id);

/** POSTs raw bytes to simpleenroll, for requests the client library would never send. */
function post(headers: Record<string, string>, body: string): Promise<{ status: number; body: string; authenticate: string | undefined }> {
  return new Promise((resolve, reject) => {
    const url = new URL('/.well-known/est/simpleenroll', est.url);
    const options = { method: 'POST', headers, agent: false, ...tlsClientOptions(undefined, testCa.trustWithoutCrl) };
    const outgoing = request(url, options, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { text += chunk; });
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body: text, authenticate: response.headers['www-authenticate'] });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function expectRefusal(promise: Promise<unknown>, status: number, code: string): Promise<void> {
  const issuedBefore = testCa.ca.list().length;
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof EnrollmentRefusedError, String(error));
    assert.equal(error.status, status);
    assert.equal(error.serverCode, code);
    return true;
  });
  assert.equal(testCa.ca.list().length, issuedBefore, 'nothing was issued');
}

describe('EST enrollment with one-time tokens', () => {
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'phasewire-est-'));
    testCa = await createTestCa();
    clock = new ManualClock(Date.now());
    service = new EstService({
      ca: testCa.ca, tokens: new TokenFileStore(join(scratch, 'tokens.json')), clock, randomBytes: (n) => new Uint8Array(randomBytes(n)),
    });
    est = await startEstServer({ identity: await testCa.server(), trust: testCa.trustWithoutCrl, service });
  });
  after(async () => {
    await est.close();
    await testCa.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('enrolls a device whose certificate chains to the root, names it, has clientAuth and opens an mTLS session', async () => {
    const { token } = await service.createToken(meter('m-100'));
    const key = generateSoftwareKey('P-384');
    const enrolled = await enrollDevice({ server: est.url, trustedCa: testCa.anchors, token, device: meter('m-100'), signer: key.signer });

    const [leaf, issuing] = parseCertificateChain(enrolled.chainPem);
    assert.ok(leaf !== undefined && issuing !== undefined);
    const chain = await new x509.X509ChainBuilder({ certificates: [issuing, testCa.ca.root] }).build(leaf);
    assert.equal(chain.at(-1)?.subject, testCa.ca.root.subject);
    assert.equal(await leaf.verify({ publicKey: issuing, date: new Date() }), true);
    assert.deepEqual([...leaf.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []], [x509.ExtendedKeyUsage.clientAuth]);
    assert.equal(leaf.subject, 'CN=m-100, OU=meter, O=phasewire');
    assert.equal(testCa.ca.find(enrolled.serial)?.device?.id, 'm-100');

    await writeFile(join(scratch, 'leaf.pem'), enrolled.chainPem);
    await writeFile(join(scratch, 'root.pem'), toPem(derOf(testCa.ca.root), 'CERTIFICATE'));
    const verified = await run('openssl', [
      'verify', '-purpose', 'sslclient', '-CAfile', join(scratch, 'root.pem'),
      '-untrusted', join(scratch, 'leaf.pem'), join(scratch, 'leaf.pem'),
    ]);
    assert.match(verified.stdout, /OK/);

    const listener = await startRecordingServer({
      identity: await testCa.server(), trust: await testCa.trust(), revocations: () => testCa.revocations(),
    });
    try {
      const result = await attempt({
        port: listener.port, ...tlsClientOptions(tlsIdentity(enrolled.chainPem, key.privateKeyPem), testCa.trustWithoutCrl),
      });
      assert.equal(result.reply, 'ok\n');
      assert.equal(listener.accepted[0]?.device?.id, 'm-100');
    } finally {
      await listener.close();
    }
  });

  it('enrolls with a key that stays in the device keystore (the CSR is signed through the port)', async () => {
    const keystore = createMemoryKeystore();
    await keystore.generateKeyPair('device', 'P-384');
    const { token } = await service.createToken(meter('m-101'));
    const enrolled = await enrollDevice({
      server: est.url, trustedCa: testCa.anchors, token, device: meter('m-101'), signer: await keystoreSigner(keystore, 'device'),
    });
    const certificate = parseCertificate(enrolled.certificatePem);
    assert.deepEqual(new Uint8Array(certificate.publicKey.rawData), (await keystore.find('device'))?.publicKey);
  });

  it('refuses a used token with 401 and issues nothing', async () => {
    const { token } = await service.createToken(meter('m-102'));
    await enrollDevice({ server: est.url, trustedCa: testCa.anchors, token, device: meter('m-102'), signer: generateSoftwareKey().signer });
    await expectRefusal(enrollDevice({
      server: est.url, trustedCa: testCa.anchors, token, device: meter('m-102'), signer: generateSoftwareKey().signer,
    }), 401, 'PW_ERR_ENROLL_TOKEN_USED');
  });

  it('refuses an expired token with 401', async () => {
    const { token } = await service.createToken(meter('m-103'), day);
    clock.advance(day + 1);
    try {
      await expectRefusal(enrollDevice({
        server: est.url, trustedCa: testCa.anchors, token, device: meter('m-103'), signer: generateSoftwareKey().signer,
      }), 401, 'PW_ERR_ENROLL_TOKEN_EXPIRED');
    } finally {
      clock.set(Date.now());
    }
  });

  it('refuses a foreign token (made by another CA) and a token with a wrong secret with 401', async () => {
    const other = new EstService({
      ca: testCa.ca, tokens: new MemoryTokenStore(), clock, randomBytes: (n) => new Uint8Array(randomBytes(n)),
    });
    const foreign = await other.createToken(meter('m-104'));
    await expectRefusal(enrollDevice({
      server: est.url, trustedCa: testCa.anchors, token: foreign.token, device: meter('m-104'), signer: generateSoftwareKey().signer,
    }), 401, 'PW_ERR_ENROLL_TOKEN_INVALID');
    const { token } = await service.createToken(meter('m-104'));
    const forged = `${token.slice(0, -4)}AAAA`;
    await expectRefusal(enrollDevice({
      server: est.url, trustedCa: testCa.anchors, token: forged, device: meter('m-104'), signer: generateSoftwareKey().signer,
    }), 401, 'PW_ERR_ENROLL_TOKEN_INVALID');
  });

  it('refuses a request without a token with 401 and a Bearer challenge', async () => {
    const csr = await createDeviceCsr(meter('m-105'), generateSoftwareKey().signer);
    const response = await post({ 'content-type': 'application/pkcs10' }, encodeBase64(csr));
    assert.equal(response.status, 401);
    assert.match(response.body, /^PW_ERR_ENROLL_TOKEN_MISSING: /);
    assert.equal(response.authenticate, 'Bearer realm="phasewire-est"');
  });

  it('refuses a CSR for another device than the token\'s with 403, and leaves the token usable', async () => {
    const { token } = await service.createToken(meter('m-106'));
    const key = generateSoftwareKey();
    const csr = await createDeviceCsr(meter('m-107'), key.signer);
    const issuedBefore = testCa.ca.list().length;
    const response = await post({ 'content-type': 'application/pkcs10', authorization: `Bearer ${token}` }, encodeBase64(csr));
    assert.equal(response.status, 403);
    assert.match(response.body, /^PW_ERR_SUBJECT_MISMATCH: .*m-107/);
    assert.equal(testCa.ca.list().length, issuedBefore);
    const enrolled = await enrollDevice({ server: est.url, trustedCa: testCa.anchors, token, device: meter('m-106'), signer: key.signer });
    assert.equal(testCa.ca.find(enrolled.serial)?.device?.id, 'm-106');
  });

  it('refuses a CSR whose signature does not verify with 400', async () => {
    const { token } = await service.createToken(meter('m-108'));
    const csr = await createDeviceCsr(meter('m-108'), generateSoftwareKey().signer);
    // The last byte lies inside the signature's s value: the DER stays well-formed.
    csr[csr.length - 1] = (csr[csr.length - 1] ?? 0) ^ 0x01;
    const issuedBefore = testCa.ca.list().length;
    const response = await post({ 'content-type': 'application/pkcs10', authorization: `Bearer ${token}` }, encodeBase64(csr));
    assert.equal(response.status, 400);
    assert.match(response.body, /^PW_ERR_CSR_SIGNATURE: /);
    assert.equal(testCa.ca.list().length, issuedBefore);
  });

  it('refuses a weak key (RSA-1024) with 400', async () => {
    const { token } = await service.createToken(meter('m-109'));
    const keys = await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    );
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=m-109, OU=meter', keys, signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' },
    });
    const issuedBefore = testCa.ca.list().length;
    const response = await post({ 'content-type': 'application/pkcs10', authorization: `Bearer ${token}` }, encodeBase64(derOf(csr)));
    assert.equal(response.status, 400);
    assert.match(response.body, /^PW_ERR_WEAK_KEY: .*RSASSA-PKCS1-v1_5-1024/);
    assert.equal(testCa.ca.list().length, issuedBefore);
  });

  it('refuses a body that is not application/pkcs10 (415), not base64 (400) or too large (413)', async () => {
    const { token } = await service.createToken(meter('m-110'));
    const wrongType = await post({ 'content-type': 'application/json', authorization: `Bearer ${token}` }, '{}');
    assert.equal(wrongType.status, 415);
    const garbage = await post({ 'content-type': 'application/pkcs10', authorization: `Bearer ${token}` }, '%%% not base64 %%%');
    assert.equal(garbage.status, 400);
    assert.match(garbage.body, /^PW_ERR_DECODE: /);
    const huge = await post({ 'content-type': 'application/pkcs10', authorization: `Bearer ${token}` }, 'A'.repeat(64 * 1024));
    assert.equal(huge.status, 413);
  });

  it('serves /cacerts as a certs-only PKCS#7 that OpenSSL reads', async () => {
    const certificates = await fetchCaCertificates(est.url, testCa.anchors);
    assert.deepEqual(certificates.map((der) => parseCertificate(der).subject), [testCa.ca.issuing.subject, testCa.ca.root.subject]);
    await writeFile(join(scratch, 'cacerts.p7'), encodeCertsOnly(certificates));
    const printed = await run('openssl', ['pkcs7', '-inform', 'DER', '-in', join(scratch, 'cacerts.p7'), '-print_certs', '-noout']);
    assert.match(printed.stdout, /subject=CN = phasewire issuing CA, O = phasewire/);
    assert.match(printed.stdout, /subject=CN = phasewire root CA, O = phasewire/);
  });

  it('does not enroll with a server outside the pinned CA', async () => {
    const other = await createTestCa();
    try {
      const { token } = await service.createToken(meter('m-111'));
      await assert.rejects(
        enrollDevice({ server: est.url, trustedCa: other.anchors, token, device: meter('m-111'), signer: generateSoftwareKey().signer }),
        (error: unknown) => error instanceof Error && 'code' in error && error.code === 'PW_ERR_TLS_HANDSHAKE',
      );
    } finally {
      await other.close();
    }
  });

  it('listens with TLS 1.3 only', async () => {
    const result = await attempt({
      port: est.port, ...tlsClientOptions(undefined, tlsTrust(testCa.anchors)),
      minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', secureContext: undefined, ca: testCa.anchors,
    });
    assert.equal(result.errorCode, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
  });
});
