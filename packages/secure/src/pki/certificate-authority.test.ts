import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { hasCode, ManualClock } from '@phasewire/core';
import type { Keystore } from '../keystore.ts';
import { createMemoryKeystore } from '../node/pki/memory-keystore.ts';
import { CertificateAuthority } from './certificate-authority.ts';
import { derOf } from './certificates.ts';
import { readCrl } from './crl.ts';
import { deviceIdentity, deviceIdentityOf } from './device-identity.ts';
import { namesOf } from './certificates.ts';
import { MemoryCaStore } from '../testing/memory-ca-store.ts';
import { defaultLifetime } from './profiles.ts';
import * as x509 from './x509.ts';

const start = Date.UTC(2026, 0, 1);
const day = 86_400_000;

function publicKey(): Uint8Array {
  const pair = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  return new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' }));
}

async function newCa(keystore: Keystore = createMemoryKeystore()) {
  const clock = new ManualClock(start);
  const store = new MemoryCaStore();
  const ca = await CertificateAuthority.init({ keystore, store, clock });
  return { ca, clock, store, keystore };
}

const meter = deviceIdentity('meter', 'm-001');

describe('CertificateAuthority', () => {
  it('creates a P-384 root and an issuing CA constrained to sign only leaves', async () => {
    const { ca } = await newCa();
    assert.equal(ca.root.serialNumber, '01');
    assert.equal(ca.issuing.serialNumber, '02');
    assert.equal(await ca.root.isSelfSigned(), true);
    assert.equal(await ca.issuing.verify({ publicKey: ca.root, date: new Date(start) }), true);
    assert.deepEqual(ca.root.publicKey.algorithm, { name: 'ECDSA', namedCurve: 'P-384' });
    assert.deepEqual(ca.issuing.signatureAlgorithm, { name: 'ECDSA', hash: { name: 'SHA-384' } });
    const constraints = ca.issuing.getExtension(x509.BasicConstraintsExtension);
    assert.equal(constraints?.ca, true);
    assert.equal(constraints.pathLength, 0);
    assert.equal(constraints.critical, true);
    assert.equal(ca.issuing.getExtension(x509.KeyUsagesExtension)?.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
  });

  it('refuses to initialise over an existing CA', async () => {
    const { store, keystore, clock } = await newCa();
    await assert.rejects(CertificateAuthority.init({ keystore, store, clock }), (error) => hasCode(error, 'PW_ERR_CA_EXISTS'));
  });

  it('issues a device certificate that names the device in the URI SAN and CN, for clientAuth only', async () => {
    const { ca } = await newCa();
    const { certificate, record } = await ca.issueDevice(publicKey(), meter);
    assert.equal(record.serial, '03');
    assert.equal(certificate.subject, 'CN=m-001, OU=meter, O=phasewire');
    assert.deepEqual(deviceIdentityOf(namesOf(certificate)), meter);
    assert.deepEqual([...certificate.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []], [x509.ExtendedKeyUsage.clientAuth]);
    assert.equal(certificate.getExtension(x509.KeyUsagesExtension)?.usages, x509.KeyUsageFlags.digitalSignature);
    assert.equal(certificate.getExtension(x509.BasicConstraintsExtension)?.ca, false);
    assert.equal(
      certificate.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId,
      ca.issuing.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
    );
    assert.equal(await certificate.verify({ publicKey: ca.issuing, date: new Date(start) }), true);
    assert.equal(certificate.notAfter.getTime() - certificate.notBefore.getTime(), defaultLifetime.device + 3_600_000);
  });

  it('issues a server certificate with DNS and IP names, for serverAuth only', async () => {
    const { ca } = await newCa();
    const { certificate } = await ca.issueServer(publicKey(), { dns: ['head-end.example'], ips: ['127.0.0.1'] });
    const names = certificate.getExtension(x509.SubjectAlternativeNameExtension)?.names.items.map((name) => [name.type, name.value]);
    assert.deepEqual(names, [['dns', 'head-end.example'], ['ip', '127.0.0.1']]);
    assert.deepEqual([...certificate.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []], [x509.ExtendedKeyUsage.serverAuth]);
  });

  it('never lets a certificate outlive its issuing CA', async () => {
    const { ca } = await newCa();
    const { certificate } = await ca.issueDevice(publicKey(), meter, { validity: { notBefore: start, notAfter: start + 100 * 365 * day } });
    assert.equal(certificate.notAfter.getTime(), ca.issuing.notAfter.getTime());
  });

  it('refuses to issue once the issuing CA has expired', async () => {
    const { ca, clock } = await newCa();
    clock.set(ca.issuing.notAfter.getTime() + 1000);
    await assert.rejects(ca.issueDevice(publicKey(), meter), (error) => hasCode(error, 'PW_ERR_CA_EXPIRED'));
  });

  it('revokes into a signed CRL and refuses to revoke twice or an unknown serial', async () => {
    const { ca, store, clock } = await newCa();
    const { record } = await ca.issueDevice(publicKey(), meter);
    await ca.revoke(record.serial, 'keyCompromise');
    assert.ok(store.crls);
    const set = await readCrl(store.crls.issuing, ca.issuing, clock.now());
    assert.deepEqual(set.get(record.serial), { serial: record.serial, revokedAt: start, reason: 'keyCompromise' });
    assert.equal((await readCrl(store.crls.root, ca.root, clock.now())).size, 0);
    await assert.rejects(ca.revoke(record.serial), (error) => hasCode(error, 'PW_ERR_ALREADY_REVOKED'));
    await assert.rejects(ca.revoke('ff'), (error) => hasCode(error, 'PW_ERR_UNKNOWN_SERIAL'));
  });

  it('reopens from its store, and refuses a keystore whose keys are not the CA\'s', async () => {
    const { ca, store, clock, keystore } = await newCa();
    const reopened = await CertificateAuthority.open({ keystore, store, clock });
    assert.deepEqual(derOf(reopened.issuing), derOf(ca.issuing));
    const impostor = createMemoryKeystore();
    await impostor.generateKeyPair('phasewire-root-ca', 'P-384');
    await impostor.generateKeyPair('phasewire-issuing-ca', 'P-384');
    await assert.rejects(CertificateAuthority.open({ keystore: impostor, store, clock }), (error) => hasCode(error, 'PW_ERR_CA_KEY'));
    await assert.rejects(
      CertificateAuthority.open({ keystore: createMemoryKeystore(), store, clock }),
      (error) => hasCode(error, 'PW_ERR_CA_KEY'),
    );
  });

  it('names the certificates due for renewal and renews them under the same key', async () => {
    const { ca, clock } = await newCa();
    const key = publicKey();
    const { record } = await ca.issueDevice(key, meter);
    assert.deepEqual(ca.due(), []);
    clock.advance(Math.ceil((2 / 3) * defaultLifetime.device) + day);
    assert.deepEqual(ca.due().map((entry) => entry.serial), [record.serial]);
    const renewed = await ca.renew(record.serial);
    assert.deepEqual(new Uint8Array(renewed.certificate.publicKey.rawData), key);
    assert.equal(renewed.record.replaces, record.serial);
    assert.equal(ca.find(record.serial)?.replacedBy, renewed.record.serial);
    assert.deepEqual(ca.due(), []);
  });

  it('renews the issuing CA under its key, so that certificates it issued still verify', async () => {
    const { ca, clock } = await newCa();
    const { certificate } = await ca.issueDevice(publicKey(), meter);
    clock.advance(defaultLifetime['issuing-ca'] - 30 * day);
    assert.ok(ca.due().some((entry) => entry.profile === 'issuing-ca'));
    const renewed = await ca.renew('02');
    assert.equal(ca.issuing.serialNumber, renewed.record.serial);
    assert.equal(await certificate.verify({ publicKey: renewed.certificate, signatureOnly: true }), true);
  });

  it('never reuses a serial, even when a signature fails half way', async () => {
    const keystore = createMemoryKeystore();
    const { ca } = await newCa(keystore);
    const sign = keystore.sign.bind(keystore);
    let failures = 1;
    keystore.sign = (label, data) => failures-- > 0 ? Promise.reject(new Error('token removed')) : sign(label, data);
    await assert.rejects(ca.issueDevice(publicKey(), meter), /token removed/);
    const { record } = await ca.issueDevice(publicKey(), meter);
    assert.equal(record.serial, '04');
  });
});
