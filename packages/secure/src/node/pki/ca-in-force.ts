// What a running server has in force from its CA directory: `in-force.json` holds the server's pid
// and the number of the CRLs whose revocations it enforces (its live sessions of those certificates
// dropped, their next handshake refused). The server writes it when it starts and after every reload
// of the CA state, and removes it when it stops; `phasewire pki revoke` reads it to report a
// revocation done only once the running server has it in force (docs/security-pki.md).
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import process from 'node:process';
import { StoreError } from '@phasewire/core';
import { writeFileAtomic } from '../keystore/atomic-file.ts';
import { processAlive } from '../directory-lock.ts';

export const inForceFile = 'in-force.json';

export interface InForce {
  readonly pid: number;
  readonly crlNumber: number;
}

/** How long `phasewire pki revoke` waits for the running server by default. */
export const defaultInForceWaitMs = 30_000;
const pollMs = 50;

/** Records that this process enforces the CA directory's revocations up to CRL `crlNumber`. */
export async function writeInForce(caDirectory: string, crlNumber: number): Promise<void> {
  const path = join(caDirectory, inForceFile);
  try {
    await writeFileAtomic(path, `${JSON.stringify({ pid: process.pid, crlNumber } satisfies InForce)}\n`, 0o644);
  } catch (error) {
    throw new StoreError('PW_ERR_CA_STATE', `Cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Removes the record, when it is this process's. */
export async function clearInForce(caDirectory: string): Promise<void> {
  const current = await readInForce(caDirectory);
  if (current?.pid === process.pid) await rm(join(caDirectory, inForceFile), { force: true });
}

/** The record of a server that runs on the directory; undefined when none does (or it died). */
export async function readInForce(caDirectory: string): Promise<InForce | undefined> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(join(caDirectory, inForceFile), 'utf8'));
  } catch {
    // Absent, or torn by a crash: no server vouches for anything.
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { pid, crlNumber } = value as Record<string, unknown>;
  if (!Number.isSafeInteger(pid) || !Number.isSafeInteger(crlNumber) || (pid as number) <= 0) return undefined;
  return processAlive(pid as number) ? { pid: pid as number, crlNumber: crlNumber as number } : undefined;
}

export type InForceOutcome =
  | { readonly kind: 'in-force'; readonly pid: number }
  | { readonly kind: 'no-server' }
  | { readonly kind: 'pending'; readonly pid: number; readonly crlNumber: number };

/**
 * Waits until the server running on the directory enforces CRL `crlNumber` or later: `in-force`
 * then; `no-server` when none runs (or it stopped meanwhile: it loads the state when it starts);
 * `pending` with what it has in force when `timeoutMs` passed first.
 */
export async function waitInForce(
  caDirectory: string,
  crlNumber: number,
  timeoutMs: number = defaultInForceWaitMs,
): Promise<InForceOutcome> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await readInForce(caDirectory);
    if (current === undefined) return { kind: 'no-server' };
    if (current.crlNumber >= crlNumber) return { kind: 'in-force', pid: current.pid };
    if (Date.now() >= deadline) return { kind: 'pending', pid: current.pid, crlNumber: current.crlNumber };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
