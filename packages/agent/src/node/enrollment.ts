// Enrollment of a meter agent, once per data directory: generate the device key, send a CSR with
// the one-time token to the EST server (RFC 7030 §4.2.1, over TLS 1.3, trusting only the CA
// certificate the meter was given), store the certificate chain and the CA, then fetch the
// envelope key over mutual TLS with the new certificate (@phasewire/secure/node key-provisioning). Every later start
// loads what is stored and never sends the token again (it is one-time on the server anyway).
//
// Atomic from the device's side: the token is spent the moment the EST server issues the
// certificate, so the key and the certificate are stored at once, before anything else can fail.
// When the envelope key then cannot be fetched (a wrong key endpoint, the link down), the next
// start finds the certificate and fetches the key with it, asking for no token: a failed first
// start can no longer leave a meter whose token is used and whose identity folder is empty.
//
// The TLS key is a software key written with mode 0600: Node's TLS takes keys only from memory
// (docs/adr/0003). The envelope key is stored the same way (docs/meter-agent.md says so: wrapping
// it under a keystore secret is the next step).
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, SecurityError } from '@phasewire/core';
import type { MeterId } from '@phasewire/core';
import { deviceIdentity } from '@phasewire/secure';
import { enrollDevice, fetchEnvelopeKey, generateSoftwareKey, tlsIdentity, tlsTrust } from '@phasewire/secure/node';
import type { ProvisionedKey, TlsIdentity, TlsTrust } from '@phasewire/secure/node';

export interface AgentIdentity {
  readonly meter: MeterId;
  readonly tls: TlsIdentity;
  readonly trust: TlsTrust;
  readonly caPem: string;
  readonly envelopeKey: ProvisionedKey;
}

export interface EnrollAgentOptions {
  readonly dataDir: string;
  readonly meter: MeterId;
  /** `https://host:port` of the EST server. */
  readonly estServer: string;
  /** The key provisioning endpoint (`https://host:port`); the EST server's when omitted. */
  readonly keyServer?: string;
  /** PEM of the CA the meter was given at manufacture: the only trust for enrollment. */
  readonly trustedCa: string;
  /** The one-time token, or where to get it: asked only when no certificate is stored yet. */
  readonly token: string | (() => Promise<string>);
}

const files = {
  key: 'device-key.pem',
  chain: 'device-chain.pem',
  ca: 'ca.pem',
  envelopeKey: 'envelope-key.json',
} as const;

const identityDir = (dataDir: string): string => join(dataDir, 'identity');

/** Write, fsync, rename: a crash leaves the old file or the new one, never a torn one. */
async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const handle = await open(`${path}.tmp`, 'w', mode);
  try {
    await handle.writeFile(text);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(`${path}.tmp`, path);
}

/** The stored identity of an enrolled agent, or undefined when the data directory holds none. */
export async function loadAgentIdentity(dataDir: string, meter: MeterId): Promise<AgentIdentity | undefined> {
  const dir = identityDir(dataDir);
  let texts: string[];
  try {
    texts = await Promise.all([files.key, files.chain, files.ca, files.envelopeKey].map((name) => readFile(join(dir, name), 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError('PW_ERR_AGENT_STATE', `Cannot read the enrollment of ${meter} in ${dir}: ${(error as Error).message}`,
      { cause: error });
  }
  const [key = '', chain = '', ca = '', envelope = ''] = texts;
  try {
    const parsed = JSON.parse(envelope) as { keyId: number; key: string };
    const raw = new Uint8Array(Buffer.from(parsed.key, 'base64'));
    if (!Number.isSafeInteger(parsed.keyId) || raw.length !== 32) throw new Error('the envelope key file holds no key id and 32-byte key');
    return { meter, tls: tlsIdentity(chain, key), trust: tlsTrust(ca), caPem: ca, envelopeKey: { keyId: parsed.keyId, key: raw } };
  } catch (error) {
    throw new ConfigError('PW_ERR_AGENT_STATE', `Cannot use the enrollment of ${meter} in ${dir}: ${(error as Error).message}; expected `
      + `the files written by enrollment (delete the directory to enroll again with a new token)`, { cause: error });
  }
}

/** The certificate stored by an enrollment whose envelope key was not fetched yet, or undefined. */
async function loadCertificate(dir: string, meter: MeterId): Promise<{ tls: TlsIdentity; trust: TlsTrust; caPem: string } | undefined> {
  let texts: string[];
  try {
    texts = await Promise.all([files.key, files.chain, files.ca].map((name) => readFile(join(dir, name), 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    const message = `Cannot read the certificate of ${meter} in ${dir}: ${(error as Error).message}`;
    throw new ConfigError('PW_ERR_AGENT_STATE', message, { cause: error });
  }
  const [key = '', chain = '', ca = ''] = texts;
  try {
    return { tls: tlsIdentity(chain, key), trust: tlsTrust(ca), caPem: ca };
  } catch (error) {
    throw new ConfigError('PW_ERR_AGENT_STATE', `Cannot use the certificate of ${meter} in ${dir}: ${(error as Error).message}; `
      + 'expected the files written by enrollment (delete the directory to enroll again with a new token)', { cause: error });
  }
}

/**
 * Loads the stored identity, or enrolls when there is none; an enrollment whose certificate is
 * stored but whose envelope key is not is finished with that certificate, without the token.
 */
export async function ensureEnrolled(options: EnrollAgentOptions): Promise<{ identity: AgentIdentity; enrolled: boolean }> {
  const existing = await loadAgentIdentity(options.dataDir, options.meter);
  if (existing !== undefined) return { identity: existing, enrolled: false };
  const dir = identityDir(options.dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let certificate = await loadCertificate(dir, options.meter);
  if (certificate === undefined) {
    const key = generateSoftwareKey('P-384');
    const enrolled = await enrollDevice({
      server: options.estServer, trustedCa: options.trustedCa,
      token: typeof options.token === 'string' ? options.token : await options.token(),
      device: deviceIdentity('meter', options.meter), signer: key.signer,
    });
    // The token is spent: keep what it bought before anything else can fail. The chain is written
    // after the key, so a chain on disk always has its key.
    await writeAtomic(join(dir, files.key), key.privateKeyPem, 0o600);
    await writeAtomic(join(dir, files.ca), options.trustedCa, 0o644);
    await writeAtomic(join(dir, files.chain), enrolled.chainPem, 0o644);
    certificate = { tls: tlsIdentity(enrolled.chainPem, key.privateKeyPem), trust: tlsTrust(options.trustedCa), caPem: options.trustedCa };
  }
  const keyServer = options.keyServer ?? options.estServer;
  let envelopeKey: ProvisionedKey;
  try {
    envelopeKey = await fetchEnvelopeKey(keyServer, certificate.tls, certificate.trust);
  } catch (error) {
    const asked = options.keyServer === undefined ? ' (no key server was given, so the EST server was asked)' : '';
    throw new SecurityError('PW_ERR_AGENT_KEY_PROVISIONING', `Cannot finish the enrollment of ${options.meter}: `
      + `its certificate is issued and kept in ${dir}, but the envelope key could not be fetched from ${keyServer}${asked}: `
      + `${error instanceof Error ? error.message : String(error)}; `
      + 'expected the head-end\'s key provisioning endpoint (phasewire server: port 8444). '
      + 'The next start fetches the key with the kept certificate; no new token is needed', { cause: error });
  }
  // The envelope key last: its file is what marks the enrollment complete.
  await writeAtomic(join(dir, files.envelopeKey),
    JSON.stringify({ keyId: envelopeKey.keyId, key: Buffer.from(envelopeKey.key).toString('base64') }), 0o600);
  const { tls, trust, caPem } = certificate;
  return { identity: { meter: options.meter, tls, trust, caPem, envelopeKey }, enrolled: true };
}
