// The server's data directory: made on the first start, reused as it is on every later one.
//
//   phasewire.json        the configuration (optional; server-config.ts)
//   pki/                  the CA directory (ca-directory.ts): root and issuing CA (P-384), CRLs,
//                         enrollment tokens; and the software keystore with its key file
//   server.pem/.key       the listeners' certificate (SAN = the configured hosts) and its key
//   ingest.pem/.key       the ingest client's certificate (Mosquitto mode only)
//   phasewire.db          the meter-data store (SQLite default)
//   billing.db            accounts, tariff versions, bill runs, bills, billing audit (beside the store)
//   campaigns.db          firmware campaigns, their devices' update states, device groups and tags
//   firmware/             the firmware repository (TUF metadata and images), when `phasewire firmware init` made one
//   headend.db            registry, replay windows, status and events
//   mosquitto/            Mosquitto's configuration and persistence (Mosquitto mode only)
//
// The CA keys and the envelope master secret live in the keystore: PKCS#11 by configuration, the
// software keystore otherwise, which warns at every start that it is not an HSM.
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { ConfigError, PhasewireError, StoreError } from '@phasewire/core';
import type { Clock } from '@phasewire/core';
import { CertificateAuthority, deviceIdentity, isIpAddress } from '@phasewire/secure';
import type { Keystore } from '@phasewire/secure';
import { generateSoftwareKey, Pkcs11Keystore, SoftwareKeystore, tlsIdentity } from '@phasewire/secure/node';
import type { CaDirectory, TlsIdentity } from '@phasewire/secure/node';
import type { KeystoreConfig } from '../server-config.ts';

/** Label of the envelope master secret in the keystore (docs/adr/0002). */
export const envelopeMasterLabel = 'phasewire-envelope-master';
/** Client id and certificate name of the Mosquitto-mode ingest (reserved: docs/head-end.md). */
export const ingestDeviceId = 'headend-ingest';
/** A listener certificate with less than this left is renewed at start. */
const renewBeforeMs = 30 * 86_400_000;

export const dataFiles = {
  config: 'phasewire.json',
  pki: 'pki',
  serverChain: 'server.pem',
  serverKey: 'server.key',
  ingestChain: 'ingest.pem',
  ingestKey: 'ingest.key',
  headEndDb: 'headend.db',
  mosquitto: 'mosquitto',
} as const;

export const inData = (dataDir: string, path: string): string => (isAbsolute(path) ? path : join(dataDir, path));

const dataError = (what: string, cause?: unknown): StoreError =>
  new StoreError('PW_ERR_SERVER_DATA_DIR', `Cannot prepare the data directory: ${what}`, cause === undefined ? undefined : { cause });

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw dataError(`${path} cannot be read (${(error as Error).message})`, error);
  }
}

/** Opens the configured keystore; a software keystore and its key file are created on first start. */
export async function openServerKeystore(
  dataDir: string, config: KeystoreConfig, env: Readonly<Record<string, string | undefined>>, warn: (message: string) => void,
): Promise<Keystore> {
  if (config.kind === 'pkcs11') {
    return Pkcs11Keystore.open({ module: config.module, token: config.token, pin: config.pin, env });
  }
  const path = inData(dataDir, config.file);
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  const fresh = !await exists(path);
  if ('keyFile' in config.unlock) {
    const keyFile = inData(dataDir, config.unlock.keyFile);
    if (!await exists(keyFile)) {
      if (!fresh) {
        throw dataError(`the software keystore ${path} exists but its key file ${keyFile} does not; restore the key file from the backup`);
      }
      // 32 random bytes, readable by the owner only: the software keystore's unlock key.
      await writeFile(keyFile, randomBytes(32), { mode: 0o600, flag: 'wx' });
    }
    return SoftwareKeystore.open({ path, unlock: { keyFile }, warn, create: fresh, env });
  }
  return SoftwareKeystore.open({ path, unlock: { passphrase: { env: config.unlock.passphraseEnv } }, warn, create: fresh, env });
}

/** The CA of the data directory, created (root and issuing, P-384, keys in the keystore) when there is none. */
export async function openOrCreateCa(
  directory: CaDirectory, keystore: Keystore, clock: Clock,
): Promise<{ ca: CertificateAuthority; created: boolean }> {
  const context = { keystore, store: directory, clock };
  if (await directory.readState() === undefined) return { ca: await CertificateAuthority.init(context), created: true };
  return { ca: await CertificateAuthority.open(context), created: false };
}

/** The envelope master secret, generated in the keystore on first start. */
export async function ensureEnvelopeMaster(keystore: Keystore): Promise<boolean> {
  if (await keystore.find(envelopeMasterLabel) !== undefined) return false;
  await keystore.generateSecret(envelopeMasterLabel);
  return true;
}

export async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  await writeFile(`${path}.tmp`, text, { mode });
  await rename(`${path}.tmp`, path);
}

async function loadIdentity(chainPath: string, keyPath: string): Promise<{ identity: TlsIdentity; leaf: X509Certificate } | undefined> {
  if (!await exists(chainPath) || !await exists(keyPath)) return undefined;
  try {
    const chain = await readFile(chainPath, 'utf8');
    const identity = tlsIdentity(chain, await readFile(keyPath, 'utf8'));
    const leafPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(chain)?.[0] ?? '';
    return { identity, leaf: new X509Certificate(leafPem) };
  } catch (error) {
    if (error instanceof PhasewireError) {
      throw dataError(`${chainPath} and ${keyPath} do not form a TLS identity (${error.message}); `
        + 'delete both to have them made again', error);
    }
    throw error;
  }
}

/** Whether the certificate names exactly these hosts (checkIP compares addresses in any notation). */
function namesMatch(leaf: X509Certificate, hosts: readonly string[]): boolean {
  const entries = (leaf.subjectAltName ?? '').split(', ').filter((entry) => entry !== '');
  const named = (host: string): boolean => (isIpAddress(host) ? leaf.checkIP(host) !== undefined : entries.includes(`DNS:${host}`));
  return entries.length === new Set(hosts).size && hosts.every(named);
}

function stillValid(leaf: X509Certificate, clock: Clock, issuing: string): boolean {
  return Date.parse(leaf.validTo) - clock.now() > renewBeforeMs && leaf.issuer === issuing;
}

/**
 * The listeners' certificate for `hosts`: reused while it names exactly these hosts, is issued by
 * this CA and is not near its end; otherwise a new one (new software key, docs/adr/0003).
 */
export async function ensureServerIdentity(
  dataDir: string, ca: CertificateAuthority, hosts: readonly string[], clock: Clock,
): Promise<{ identity: TlsIdentity; issued: boolean }> {
  const chainPath = join(dataDir, dataFiles.serverChain);
  const keyPath = join(dataDir, dataFiles.serverKey);
  const issuing = new X509Certificate(Buffer.from(ca.issuing.rawData)).subject;
  const present = await loadIdentity(chainPath, keyPath);
  if (present !== undefined && namesMatch(present.leaf, hosts) && stillValid(present.leaf, clock, issuing)) {
    return { identity: present.identity, issued: false };
  }
  const key = generateSoftwareKey('P-384');
  const names = { dns: hosts.filter((host) => !isIpAddress(host)), ips: hosts.filter((host) => isIpAddress(host)) };
  const issued = await ca.issueServer(key.signer.publicKey, names);
  await writeAtomic(keyPath, key.privateKeyPem, 0o600);
  await writeAtomic(chainPath, issued.chainPem, 0o644);
  return { identity: tlsIdentity(issued.chainPem, key.privateKeyPem), issued: true };
}

/** The Mosquitto-mode ingest client's certificate (a gateway-kind device certificate, docs/head-end.md). */
export async function ensureIngestIdentity(dataDir: string, ca: CertificateAuthority, clock: Clock): Promise<TlsIdentity> {
  const chainPath = join(dataDir, dataFiles.ingestChain);
  const keyPath = join(dataDir, dataFiles.ingestKey);
  const issuing = new X509Certificate(Buffer.from(ca.issuing.rawData)).subject;
  const present = await loadIdentity(chainPath, keyPath);
  if (present !== undefined && stillValid(present.leaf, clock, issuing)) return present.identity;
  const key = generateSoftwareKey('P-384');
  const issued = await ca.issueDevice(key.signer.publicKey, deviceIdentity('gateway', ingestDeviceId));
  await writeAtomic(keyPath, key.privateKeyPem, 0o600);
  await writeAtomic(chainPath, issued.chainPem, 0o644);
  return tlsIdentity(issued.chainPem, key.privateKeyPem);
}

/** Reads the configuration file; undefined when there is none. */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError('PW_ERR_SERVER_CONFIG', `Cannot read the server configuration ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConfigError('PW_ERR_SERVER_CONFIG',
      `Cannot use the server configuration ${path}: it is not JSON (${(error as Error).message}); `
        + 'expected one JSON object (docs/configuration.md)',
      { cause: error });
  }
}

export async function ensureDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(join(dataDir, dataFiles.pki), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw dataError(`${dataDir} cannot be created (${(error as Error).message})`, error);
  }
}
