import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '@phasewire/core';
import { createMemoryKeystore } from '../node/pki/memory-keystore.ts';
import { generateSoftwareKey } from '../node/tls/software-key.ts';
import { derOf } from './certificates.ts';
import { checkDeviceCsr, createDeviceCsr } from './csr.ts';
import { deviceIdentity } from './device-identity.ts';
import { keystoreSigner } from './signer.ts';
import * as x509 from './x509.ts';

const meter = deviceIdentity('meter', 'm-001');
const code = (expected: Parameters<typeof hasCode>[1]) => (error: unknown) => hasCode(error, expected);

async function csrWith(name: string, san?: string): Promise<Uint8Array> {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']);
  const extensions = san === undefined ? [] : [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: san }])];
  const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-384' };
  return derOf(await x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm, extensions }));
}

describe('device certificate requests', () => {
  it('are signed through the keystore port and accepted for the device they name', async () => {
    const keystore = createMemoryKeystore();
    await keystore.generateKeyPair('device', 'P-384');
    const csr = await createDeviceCsr(meter, await keystoreSigner(keystore, 'device'));
    const checked = await checkDeviceCsr(csr, meter);
    assert.equal(checked.curve, 'P-384');
    assert.deepEqual(checked.publicKey, (await keystore.find('device'))?.publicKey);
  });

  it('accept P-256 for constrained devices unless the policy asks for P-384 only', async () => {
    const csr = await createDeviceCsr(meter, generateSoftwareKey('P-256').signer);
    assert.equal((await checkDeviceCsr(csr, meter)).curve, 'P-256');
    await assert.rejects(checkDeviceCsr(csr, meter, ['P-384']), code('PW_ERR_WEAK_KEY'));
  });

  it('are refused when signed with a hash other than the curve\'s, naming the hash found and the one expected', async () => {
    for (const [curve, used, expected] of [['P-384', 'SHA-256', 'SHA-384'], ['P-256', 'SHA-384', 'SHA-256']] as const) {
      const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: curve }, true, ['sign', 'verify']);
      const csr = derOf(await x509.Pkcs10CertificateRequestGenerator.create({
        name: 'CN=m-001, OU=meter', keys, signingAlgorithm: { name: 'ECDSA', hash: used },
      }));
      await assert.rejects(checkDeviceCsr(csr, meter), (error: unknown) => {
        assert.ok(hasCode(error, 'PW_ERR_CSR_SIGNATURE'));
        const message = (error as Error).message;
        assert.match(message, new RegExp(`signed with ECDSA and ${used} on a ${curve} key; expected ${expected}`));
        assert.doesNotMatch(message, /does not verify/, 'the signature is good: only the hash is wrong');
        return true;
      });
    }
  });

  it('are refused when they name another device, another kind or ask for another URI', async () => {
    await assert.rejects(checkDeviceCsr(await csrWith('CN=m-002, OU=meter'), meter), code('PW_ERR_SUBJECT_MISMATCH'));
    await assert.rejects(checkDeviceCsr(await csrWith('CN=m-001, OU=gateway'), meter), code('PW_ERR_SUBJECT_MISMATCH'));
    await assert.rejects(checkDeviceCsr(await csrWith('CN=m-001', 'urn:phasewire:meter:m-999'), meter), code('PW_ERR_SUBJECT_MISMATCH'));
    await assert.rejects(checkDeviceCsr(await csrWith('O=phasewire'), meter), code('PW_ERR_SUBJECT_MISMATCH'));
    assert.equal((await checkDeviceCsr(await csrWith('CN=m-001'), meter)).curve, 'P-384');
  });

  it('are refused when the bytes are not a CSR', async () => {
    await assert.rejects(checkDeviceCsr(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01), meter), code('PW_ERR_CERTIFICATE_INVALID'));
  });
});
