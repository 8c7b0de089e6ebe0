// Test support for the firmware repository tests: a repository with its keys in two SoftHSM2
// tokens, served over HTTPS by the head-end's file server under the TLS policy (test CA), the
// standalone tuf-js checker run as a process, and OpenSSL verification of every metadata
// signature over canonical JSON computed here, apart from the signing code.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createFirmwareFileServer } from '@phasewire/headend/node';
import type { FirmwareFileServer } from '@phasewire/headend/node';
import { FirmwareRepository } from '@phasewire/mdm/firmware';
import type { RoleLifetimes } from '@phasewire/mdm/firmware';
import { directoryStorage } from '@phasewire/mdm/node';
import { Pkcs11Keystore } from '@phasewire/secure/node';
import { createTestCa, startSoftHsm } from '@phasewire/secure/testing';
import type { SoftHsmFixture, TestCa } from '@phasewire/secure/testing';

const run = promisify(execFile);
const checkerScript = join(import.meta.dirname, 'tuf-checker.fixture.ts');

export interface CheckerResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly message?: string;
  readonly file?: string;
  readonly length?: number;
  readonly rootVersion?: number;
  readonly timestampVersion?: number;
  readonly custom?: Record<string, unknown>;
}

export interface FirmwareFixture {
  readonly work: string;
  /** The repository directory, served at `baseUrl`. */
  readonly directory: string;
  readonly baseUrl: string;
  readonly offline: Pkcs11Keystore;
  readonly online: Pkcs11Keystore;
  /** The clock the repository signs by; tests move it. */
  readonly clock: { now: () => number; set: (time: number) => void };
  open(lifetimes?: Partial<RoleLifetimes>): Promise<FirmwareRepository>;
  /** A fresh device state: a metadata folder seeded with 1.root.json, and a target folder. */
  newDevice(name: string): Promise<string>;
  /** Runs the standalone tuf-js checker for a device made by `newDevice`. */
  check(device: string, targetPath?: string): Promise<CheckerResult>;
  close(): Promise<void>;
}

export async function startFirmwareFixture(): Promise<FirmwareFixture> {
  const work = await mkdtemp(join(tmpdir(), 'phasewire-firmware-e2e-'));
  const directory = join(work, 'repository');
  await mkdir(directory);
  let hsm: SoftHsmFixture | undefined;
  let ca: TestCa | undefined;
  let server: FirmwareFileServer | undefined;
  hsm = await startSoftHsm(['firmware-offline', 'firmware-online']);
  const offline = await Pkcs11Keystore.open(hsm.options('firmware-offline'));
  const online = await Pkcs11Keystore.open(hsm.options('firmware-online'));
  ca = await createTestCa();
  const identity = await ca.server({ dns: ['localhost'], ips: ['127.0.0.1'] });
  await writeFile(join(work, 'ca.pem'), ca.anchors);
  server = createFirmwareFileServer({ directory, identity, trust: ca.trustWithoutCrl });
  const port = await server.listen();
  let now = Date.now();
  const clock = { now: () => now, set: (time: number) => { now = time; } };
  const storage = directoryStorage(directory);
  let initialised = false;
  return {
    work, directory, baseUrl: `https://localhost:${port}`, offline, online, clock,
    async open(lifetimes) {
      const options = { storage, offline, online, clock, ...(lifetimes === undefined ? {} : { lifetimes }) };
      if (initialised) return FirmwareRepository.open(options);
      initialised = true;
      return FirmwareRepository.init(options);
    },
    async newDevice(name) {
      const device = join(work, 'devices', name);
      await mkdir(join(device, 'metadata'), { recursive: true });
      await mkdir(join(device, 'targets'), { recursive: true });
      return device;
    },
    async check(device, targetPath) {
      const args = [checkerScript, `https://localhost:${port}`, join(device, 'metadata'), join(device, 'targets'),
        join(directory, 'metadata', '1.root.json'), ...(targetPath === undefined ? [] : [targetPath])];
      const { stdout } = await run(process.execPath, args, { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(work, 'ca.pem') } });
      return JSON.parse(stdout) as CheckerResult;
    },
    async close() {
      await server?.close();
      await offline.close();
      await online.close();
      await ca?.close();
      await hsm?.cleanup();
      server = undefined;
      ca = undefined;
      hsm = undefined;
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** Canonical JSON as TUF §4.1 names it (OLPC): keys sorted, no spaces, only `"` and `\` escaped, integers only. */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'string') return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`canonical JSON has no floats: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const object = value as Record<string, unknown>;
  return `{${Object.keys(object).sort().map((key) => `${canonicalJson(key)}:${canonicalJson(object[key])}`).join(',')}}`;
}

interface Envelope {
  readonly signed: { readonly keys?: Record<string, { keyval: { public: string } }>;
    readonly delegations?: { keys: Record<string, { keyval: { public: string } }> } };
  readonly signatures: readonly { keyid: string; sig: string }[];
}

/**
 * Verifies every signature of every metadata file in the repository with `openssl pkeyutl` over
 * the canonical bytes of `signed`; keys are taken from every root and targets file. Returns the
 * number of signatures verified per file.
 */
export async function verifyAllWithOpenssl(directory: string, scratch: string): Promise<Map<string, number>> {
  const metadata = join(directory, 'metadata');
  const files = (await readdir(metadata)).sort();
  const documents = new Map<string, Envelope>();
  for (const name of files) documents.set(name, JSON.parse(await readFile(join(metadata, name), 'utf8')) as Envelope);
  const keys = new Map<string, string>();
  for (const document of documents.values()) {
    const listed = { ...document.signed.keys, ...document.signed.delegations?.keys };
    for (const [keyid, key] of Object.entries(listed)) keys.set(keyid, key.keyval.public);
  }
  const verified = new Map<string, number>();
  await mkdir(scratch, { recursive: true });
  for (const [name, document] of documents) {
    await writeFile(join(scratch, 'signed.json'), canonicalJson(document.signed));
    let count = 0;
    for (const signature of document.signatures) {
      const pem = keys.get(signature.keyid);
      if (pem === undefined) throw new Error(`${name}: no key ${signature.keyid} in any root or targets file`);
      await writeFile(join(scratch, 'key.pem'), pem);
      await writeFile(join(scratch, 'sig.der'), Buffer.from(signature.sig, 'hex'));
      const { stdout } = await run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(scratch, 'key.pem'), '-rawin',
        '-digest', 'sha256', '-in', join(scratch, 'signed.json'), '-sigfile', join(scratch, 'sig.der')]);
      if (!stdout.includes('Signature Verified Successfully')) throw new Error(`${name}: openssl says ${stdout}`);
      count++;
    }
    verified.set(name, count);
  }
  return verified;
}
