// The CA on the real keystores: the PKCS#11 keystore on SoftHSM2 (the CA keys in the token, as in
// production) and the software keystore of the embedded default. Certificates and CRLs are checked
// by OpenSSL, and a CA whose keys are in the token issues the identities of a mutual-TLS session.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Keystore } from '../../keystore.ts';
import { CertificateAuthority } from '../../pki/certificate-authority.ts';
import { checkDeviceCsr, createDeviceCsr } from '../../pki/csr.ts';
import { deviceIdentity } from '../../pki/device-identity.ts';
import { keystoreSigner } from '../../pki/signer.ts';
import { Pkcs11Keystore } from '../keystore/pkcs11-keystore.ts';
import { startSoftHsm } from '../../testing/softhsm-test-kit.ts';
import type { SoftHsmFixture } from '../../testing/softhsm-test-kit.ts';
import { SoftwareKeystore } from '../keystore/software-keystore.ts';
import { generateSoftwareKey } from '../tls/software-key.ts';
import { tlsClientOptions } from '../tls/tls-options.ts';
import { attempt, startRecordingServer } from '../../testing/tls-test-kit.ts';
import { CaDirectory, caFiles } from './ca-directory.ts';
import { createTestCa } from '../../testing/test-ca.ts';

const run = promisify(execFile);
const systemClock = { now: () => Date.now() };

let hsm: SoftHsmFixture;
let scratch: string;

before(async () => {
  hsm = await startSoftHsm(['phasewire-ca']);
  scratch = await mkdtemp(join(tmpdir(), 'phasewire-ca-keystores-'));
});

after(async () => {
  await hsm.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

async function softwareKeystore(): Promise<Keystore> {
  const keyFile = join(scratch, 'software.key');
  await writeFile(keyFile, randomBytes(32), { mode: 0o600 });
  return SoftwareKeystore.open({ path: join(scratch, 'software-keystore.json'), unlock: { keyFile }, warn: () => undefined, create: true });
}

const keystores: readonly [string, () => Promise<Keystore>][] = [
  ['the PKCS#11 keystore (SoftHSM2)', () => Pkcs11Keystore.open(hsm.options('phasewire-ca'))],
  ['the software keystore', softwareKeystore],
];

for (const [name, open] of keystores) {
  describe(`the CA with its keys in ${name}`, () => {
    it('issues and revokes certificates that OpenSSL verifies against the CRLs, and reopens', async () => {
      const directory = join(scratch, name.replace(/\W+/g, '-'));
      const keystore = await open();
      const store = await CaDirectory.open(directory);
      try {
        const ca = await CertificateAuthority.init(
          { keystore, store, clock: systemClock },
          { rootLabel: `${keystore.kind}-root`, issuingLabel: `${keystore.kind}-issuing` },
        );
        assert.equal((await keystore.find(`${keystore.kind}-root`))?.curve, 'P-384');
        const good = await ca.issueDevice(generateSoftwareKey().signer.publicKey, deviceIdentity('meter', 'm-kept'));
        const revoked = await ca.issueDevice(generateSoftwareKey().signer.publicKey, deviceIdentity('meter', 'm-gone'));
        await ca.revoke(revoked.record.serial, 'keyCompromise');
        await writeFile(join(directory, 'good.pem'), good.chainPem);
        await writeFile(join(directory, 'revoked.pem'), revoked.chainPem);
        const verify = (file: string) => run('openssl', ['verify', '-crl_check_all', '-CRLfile', join(directory, caFiles.crl),
          '-CAfile', join(directory, caFiles.root), '-untrusted', join(directory, caFiles.chain),
          '-purpose', 'sslclient', join(directory, file)]);
        assert.match((await verify('good.pem')).stdout, /good\.pem: OK/);
        await assert.rejects(verify('revoked.pem'), /certificate revoked/);

        const reopened = await CertificateAuthority.open({ keystore, store, clock: systemClock });
        assert.deepEqual(reopened.list().map((entry) => entry.serial), ['02', '03', '04']);
        assert.equal(reopened.find('04')?.revoked?.reason, 'keyCompromise');
      } finally {
        await store.close();
        await keystore.close();
      }
    });
  });
}

describe('a device key in the PKCS#11 token', () => {
  it('signs an enrollment request that the CA accepts (proof of possession through the token)', async () => {
    const keystore = await Pkcs11Keystore.open(hsm.options('phasewire-ca'));
    try {
      await keystore.generateKeyPair('device-m-token', 'P-384');
      const device = deviceIdentity('meter', 'm-token');
      const checked = await checkDeviceCsr(await createDeviceCsr(device, await keystoreSigner(keystore, 'device-m-token')), device);
      assert.deepEqual(checked.publicKey, (await keystore.find('device-m-token'))?.publicKey);
    } finally {
      await keystore.close();
    }
  });
});

describe('a test CA whose keys are in the PKCS#11 token', () => {
  it('issues the identities of a mutual-TLS session under the policy', async () => {
    const keystore = await Pkcs11Keystore.open(hsm.options('phasewire-ca'));
    const testCa = await createTestCa({ keystore, labelPrefix: 'hsm-test' });
    try {
      assert.equal(testCa.keystore.kind, 'pkcs11');
      const server = await startRecordingServer({
        identity: await testCa.server(), trust: await testCa.trust(), revocations: () => testCa.revocations(),
      });
      try {
        const device = await testCa.device('m-hsm');
        const result = await attempt({ port: server.port, ...tlsClientOptions(device, testCa.trustWithoutCrl) });
        assert.equal(result.reply, 'ok\n');
        assert.equal(server.accepted[0]?.device?.id, 'm-hsm');
      } finally {
        await server.close();
      }
    } finally {
      await testCa.close();
      await keystore.close();
    }
  });
});
