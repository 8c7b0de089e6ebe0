// The test CA: a real phasewire CA (root and issuing CA, keys in a keystore, state in a temporary
// directory) that issues the certificates tests need: good, expired, not yet valid, revoked, with
// the wrong key usage, and from a foreign CA that looks the same. Any package's tests can use it
// (`import { createTestCa } from '@phasewire/secure/testing'`). TLS keys are software keys in memory,
// as Node's TLS needs them (docs/adr/0003); the CA keys are in the keystore given, or in memory.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@phasewire/core';
import type { EcCurve, Keystore } from '../keystore.ts';
import type { Issued } from '../pki/certificate-authority.ts';
import { CertificateAuthority } from '../pki/certificate-authority.ts';
import type { DeviceIdentity, DeviceKind } from '../pki/device-identity.ts';
import { deviceIdentity } from '../pki/device-identity.ts';
import type { RevocationReason, RevocationSet } from '../pki/revocation-set.ts';
import type { TlsIdentity, TlsTrust } from '../node/tls/tls-options.ts';
import { generateSoftwareKey } from '../node/tls/software-key.ts';
import { tlsIdentity, tlsTrust } from '../node/tls/tls-options.ts';
import { CaDirectory } from '../node/pki/ca-directory.ts';
import { createMemoryKeystore } from '../node/pki/memory-keystore.ts';

const day = 86_400_000;

/** How the CA was started: a month ago, so that expired certificates can lie inside its validity. */
export const testCaAge = 30 * day;

export type TestCertificateState = 'good' | 'expired' | 'not-yet-valid' | 'revoked';

export interface TestIdentity extends TlsIdentity {
  readonly serial: string;
  readonly device: DeviceIdentity | undefined;
  readonly issued: Issued;
}

export interface DeviceOptions {
  readonly kind?: DeviceKind;
  readonly state?: TestCertificateState;
  /** 'server': a certificate with serverAuth only, presented as a client (wrong key usage). */
  readonly usage?: 'client' | 'server';
  readonly curve?: EcCurve;
}

export interface TestCa {
  readonly ca: CertificateAuthority;
  readonly keystore: Keystore;
  readonly directory: string;
  /** Root and issuing CA certificates, PEM. */
  readonly anchors: string;
  /** Trust with the current CRLs: what a listener uses. Re-read after a revocation. */
  trust(): Promise<TlsTrust>;
  /** Trust without CRLs (clients, and listeners that check the revocation set only). */
  readonly trustWithoutCrl: TlsTrust;
  revocations(): RevocationSet;
  server(names?: { dns?: string[]; ips?: string[] }): Promise<TestIdentity>;
  device(id: string, options?: DeviceOptions): Promise<TestIdentity>;
  /** A device certificate from another CA with the same names: refused as unknown CA. */
  foreignDevice(id: string): Promise<TestIdentity>;
  revoke(identity: TestIdentity, reason?: RevocationReason): Promise<void>;
  close(): Promise<void>;
}

function identityOf(issued: Issued, privateKeyPem: string): TestIdentity {
  return { ...tlsIdentity(issued.chainPem, privateKeyPem), serial: issued.record.serial, device: issued.record.device, issued };
}

export interface TestCaOptions {
  /** Where the CA keys live (a PKCS#11 keystore in the HSM tests); a memory keystore otherwise. */
  readonly keystore?: Keystore;
  /** Labels for the CA keys, so that several test CAs can share one token. */
  readonly labelPrefix?: string;
}

export async function createTestCa(options: TestCaOptions = {}): Promise<TestCa> {
  const directory = await mkdtemp(join(tmpdir(), 'phasewire-test-ca-'));
  const store = await CaDirectory.open(directory);
  const keystore = options.keystore ?? createMemoryKeystore();
  let offset = -testCaAge;
  const clock: Clock = { now: () => Date.now() + offset };
  const prefix = options.labelPrefix ?? 'test';
  const ca = await CertificateAuthority.init(
    { keystore, store, clock },
    { rootLabel: `${prefix}-root-ca`, issuingLabel: `${prefix}-issuing-ca` },
  );
  offset = 0;
  // The CRLs made at init carry the backdated time; publish current ones.
  await ca.refreshCrls();
  const anchors = ca.caChainPem;
  const trustWithoutCrl = tlsTrust(anchors);
  let foreign: TestCa | undefined;

  const device = async (id: string, deviceOptions: DeviceOptions = {}): Promise<TestIdentity> => {
    const identity = deviceIdentity(deviceOptions.kind ?? 'meter', id);
    const key = generateSoftwareKey(deviceOptions.curve ?? 'P-384');
    const now = Date.now();
    const state = deviceOptions.state ?? 'good';
    const validity = state === 'expired' ? { notBefore: now - 10 * day, notAfter: now - day }
      : state === 'not-yet-valid' ? { notBefore: now + day, notAfter: now + 10 * day }
        : undefined;
    const issued = deviceOptions.usage === 'server'
      ? await ca.issueServer(key.signer.publicKey, { dns: [id], ips: [] }, validity === undefined ? {} : { validity })
      : await ca.issueDevice(key.signer.publicKey, identity, validity === undefined ? {} : { validity });
    if (state === 'revoked') await ca.revoke(issued.record.serial, 'keyCompromise');
    return identityOf(issued, key.privateKeyPem);
  };

  return {
    ca,
    keystore,
    directory,
    anchors,
    trustWithoutCrl,
    trust: async () => tlsTrust(anchors, await readFile(store.file('crl'), 'utf8')),
    revocations: () => ca.revocations(),
    async server(names = {}) {
      const key = generateSoftwareKey('P-384');
      const issued = await ca.issueServer(key.signer.publicKey, { dns: names.dns ?? ['localhost'], ips: names.ips ?? ['127.0.0.1'] });
      return identityOf(issued, key.privateKeyPem);
    },
    device,
    async foreignDevice(id: string) {
      foreign ??= await createTestCa({ labelPrefix: `${prefix}-foreign` });
      return foreign.device(id);
    },
    async revoke(identity, reason = 'keyCompromise') {
      await ca.revoke(identity.serial, reason);
    },
    async close() {
      await foreign?.close();
      await store.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
