// The TLS session-ticket keys of the MQTT listener, kept in the data directory so that a restarted
// head-end resumes the sessions of the tickets it issued before (a fleet reconnecting after a
// restart then costs abbreviated handshakes, not thousands of full ones with a signature each:
// PERFORMANCE.md T5). Rotated after a day: tickets sealed under the old keys then get a full
// handshake. TLS 1.3 resumption keeps an ECDHE exchange (psk_dhe_ke, RFC 8446 §4.2.9, OpenSSL's
// default), so the file alone does not open recorded traffic; it is secret still (mode 0600): with
// it a ticket's resumption secret can be read.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '@phasewire/core';
import { writeFileAtomic } from '@phasewire/secure/node';

export const ticketKeyFile = 'tls-ticket-keys.json';
/** Node's ticket keys: 16 bytes key name, 16 bytes HMAC secret, 16 bytes AES key (tls.Server#setTicketKeys). */
export const ticketKeyBytes = 48;
/** How long one set of keys is used before a new one replaces it. */
export const ticketKeyLifetimeMs = 24 * 3_600_000;

export interface TicketKeys {
  readonly keys: Uint8Array;
  readonly createdAt: number;
}

async function read(path: string): Promise<TicketKeys | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    // Missing or unreadable: new keys. They protect only resumption, so nothing is lost but that.
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { keys, createdAt } = parsed as { keys?: unknown; createdAt?: unknown };
  if (typeof keys !== 'string' || typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt)) return undefined;
  const bytes = Buffer.from(keys, 'base64');
  return bytes.length === ticketKeyBytes ? { keys: new Uint8Array(bytes), createdAt } : undefined;
}

/** Makes, writes (mode 0600) and returns a new set of keys. */
export async function rotateTicketKeys(dataDir: string, clock: Clock): Promise<TicketKeys> {
  const fresh: TicketKeys = { keys: new Uint8Array(randomBytes(ticketKeyBytes)), createdAt: clock.now() };
  await writeFileAtomic(join(dataDir, ticketKeyFile),
    `${JSON.stringify({ createdAt: fresh.createdAt, keys: Buffer.from(fresh.keys).toString('base64') })}\n`, 0o600);
  return fresh;
}

/** The stored keys while younger than `lifetimeMs` (and not from the future), else new ones. */
export async function ensureTicketKeys(dataDir: string, clock: Clock, lifetimeMs = ticketKeyLifetimeMs): Promise<TicketKeys> {
  const stored = await read(join(dataDir, ticketKeyFile));
  const now = clock.now();
  if (stored !== undefined && stored.createdAt <= now && now - stored.createdAt < lifetimeMs) return stored;
  return rotateTicketKeys(dataDir, clock);
}
