import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode, ManualClock } from '@phasewire/core';
import { createMemoryKeystore } from '../node/pki/memory-keystore.ts';
import { CertificateAuthority } from './certificate-authority.ts';
import { createCrl, readCrl } from './crl.ts';
import { MemoryCaStore } from '../testing/memory-ca-store.ts';
import { keystoreSigner } from './signer.ts';

const now = Date.UTC(2026, 5, 1);

async function ca() {
  const keystore = createMemoryKeystore();
  const authority = await CertificateAuthority.init({ keystore, store: new MemoryCaStore(), clock: new ManualClock(now) });
  return { authority, signer: await keystoreSigner(keystore, 'phasewire-issuing-ca') };
}

describe('CRLs', () => {
  it('are read back with their entries when current and signed by the CA', async () => {
    const { authority, signer } = await ca();
    const crl = await createCrl({
      issuer: authority.issuing, signer, entries: [{ serial: '1f', revokedAt: now - 5000, reason: 'superseded' }],
      number: 7, thisUpdate: now - 1000, nextUpdate: now + 1000,
    });
    assert.deepEqual(
      (await readCrl(crl, authority.issuing, now)).entries(),
      [{ serial: '1f', revokedAt: now - 5000, reason: 'superseded' }],
    );
  });

  it('are refused past nextUpdate (fail closed), from another CA, or tampered', async () => {
    const { authority, signer } = await ca();
    const crl = await createCrl({
      issuer: authority.issuing, signer, entries: [], number: 1, thisUpdate: now - 1000, nextUpdate: now + 1000,
    });
    await assert.rejects(readCrl(crl, authority.issuing, now + 1001), (error) => hasCode(error, 'PW_ERR_CRL_STALE'));
    const other = await ca();
    await assert.rejects(readCrl(crl, other.authority.issuing, now), (error) => hasCode(error, 'PW_ERR_CRL_INVALID'));
    const tampered = Uint8Array.from(crl);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    await assert.rejects(readCrl(tampered, authority.issuing, now), (error) => hasCode(error, 'PW_ERR_CRL_INVALID'));
  });
});
