// The running server and `phasewire pki` share one CA directory. Every change on either side is
// made under the directory's lock on the state read again from disk (certificate-authority.ts), so
// neither overwrites the other's. What the server has *in force* follows here: it watches ca.json,
// reloads the CA state when another process changed it, puts the certificates revoked since into
// force (`enforce`: live sessions dropped, Mosquitto's CRL reloaded), and only then records the CRL
// number it enforces in in-force.json, which `phasewire pki revoke` waits for (docs/security-pki.md).
import { unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import type { CertificateAuthority, IssuedCertificate } from '@phasewire/secure';
import { caFiles, clearInForce, writeInForce } from '@phasewire/secure/node';
import type { HeadEndLog } from '@phasewire/headend';

/** How often ca.json is looked at (a stat): the longest a revocation by `phasewire pki` waits to be loaded. */
export const caWatchIntervalMs = 250;

export interface CaWatchOptions {
  readonly ca: CertificateAuthority;
  /** The CA directory. */
  readonly path: string;
  /** Puts revocations in force; called with the certificates revoked since the last call. */
  readonly enforce: (revoked: readonly IssuedCertificate[]) => Promise<void>;
  readonly log: HeadEndLog;
  readonly intervalMs?: number;
}

export interface CaWatch {
  /** Reloads the CA state, enforces what was revoked since, and records it: what a change of ca.json triggers. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

const revokedSerials = (ca: CertificateAuthority): Set<string> =>
  new Set(ca.list().filter((entry) => entry.revoked !== undefined).map((entry) => entry.serial));

export async function watchCa(options: CaWatchOptions): Promise<CaWatch> {
  const { ca, path, log } = options;
  const statePath = join(path, caFiles.state);
  let enforced = revokedSerials(ca);
  let running: Promise<void> = Promise.resolve();
  let recorded: number | undefined;
  const syncOnce = async (): Promise<void> => {
    await ca.reload();
    const revoked = ca.list().filter((entry) => entry.revoked !== undefined && !enforced.has(entry.serial));
    if (revoked.length > 0) {
      await options.enforce(revoked);
      log({ level: 'info', msg: `revocation in force: ${revoked.map((entry) => `${entry.serial} (${entry.subject})`).join(', ')}` });
    }
    enforced = revokedSerials(ca);
    // Every revocation publishes new CRLs: an unchanged number has nothing new to vouch for.
    if (ca.crlNumber !== recorded) {
      await writeInForce(path, ca.crlNumber);
      recorded = ca.crlNumber;
    }
  };
  // One sync at a time; a change seen during one is picked up by the next.
  const sync = (): Promise<void> => {
    const next = running.then(syncOnce);
    running = next.catch(() => undefined);
    return next;
  };
  const onChange = (): void => {
    sync().catch((error: unknown) => {
      const reason = (error as Error).message;
      const msg = `Cannot load the CA state changed in ${statePath}: ${reason}; `
        + 'the previous revocations stay in force, the next change is tried again';
      log({ level: 'error', msg });
    });
  };
  // Watching first, then a sync: a change made before the watch started is in the sync's reload.
  watchFile(statePath, { interval: options.intervalMs ?? caWatchIntervalMs, persistent: false }, onChange);
  try {
    await sync();
  } catch (error) {
    unwatchFile(statePath, onChange);
    throw error;
  }
  return {
    sync,
    async close() {
      unwatchFile(statePath, onChange);
      await running;
      await clearInForce(path);
    },
  };
}
