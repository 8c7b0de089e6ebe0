// Test support: a private SoftHSM2 token directory per test process (ECOSYSTEM.md: give each test
// its own SOFTHSM2_CONF and token folder). SoftHSM reads SOFTHSM2_CONF when the module is
// initialised, so the fixture sets it before any keystore opens and the process keeps it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Pkcs11KeystoreOptions } from '../node/keystore/pkcs11-keystore.ts';

const run = promisify(execFile);

/** The Debian softhsm2 package's module. */
export const softHsmModule = '/usr/lib/softhsm/libsofthsm2.so';
/** The name of the (private, per-fixture) variable the user PIN is read from. */
export const pinVariable = 'PHASEWIRE_TEST_TOKEN_PIN';

export interface SoftHsmFixture {
  readonly directory: string;
  /** The user PIN of every token of this fixture. */
  readonly pin: string;
  /** Keystore options for a token of this fixture. */
  options(tokenLabel: string): Pkcs11KeystoreOptions;
  /** Removes the token directory; close every keystore first. */
  cleanup(): Promise<void>;
}

/** Creates a token directory with the given tokens, initialised, and points SOFTHSM2_CONF at it. */
export async function startSoftHsm(tokenLabels: readonly string[]): Promise<SoftHsmFixture> {
  const directory = await mkdtemp(join(tmpdir(), 'phasewire-softhsm-'));
  const tokens = join(directory, 'tokens');
  const conf = join(directory, 'softhsm2.conf');
  await run('mkdir', ['-m', '700', tokens]);
  await writeFile(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  process.env['SOFTHSM2_CONF'] = conf;
  const pin = randomBytes(8).toString('hex');
  const soPin = randomBytes(8).toString('hex');
  for (const label of tokenLabels) {
    await run('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', soPin],
      { env: { ...process.env, SOFTHSM2_CONF: conf } });
  }
  return {
    directory,
    pin,
    options: (tokenLabel) => ({
      module: softHsmModule, token: { label: tokenLabel }, pin: { env: pinVariable }, env: { [pinVariable]: pin },
    }),
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
}
