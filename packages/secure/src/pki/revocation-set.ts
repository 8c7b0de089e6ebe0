// The revocation list a listener checks at every handshake: a set of revoked serial numbers with
// when and why. Serials are unique across the phasewire hierarchy (root and issuing CA draw from
// one counter, see certificate-authority.ts), so the serial alone is the key. The set is
// immutable: revoking returns a new set, and a server swaps its reference in one assignment.
import { DecodeError } from '@phasewire/core';
import { normalizeSerial } from './certificates.ts';

/** CRLReason values phasewire uses (RFC 5280 §5.3.1). */
export const revocationReasons = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
} as const;

export type RevocationReason = keyof typeof revocationReasons;

export const isRevocationReason = (text: string): text is RevocationReason => Object.hasOwn(revocationReasons, text);

export interface RevocationEntry {
  /** Normalised hex serial (certificates.ts normalizeSerial). */
  readonly serial: string;
  /** Epoch milliseconds. */
  readonly revokedAt: number;
  readonly reason: RevocationReason;
}

export class RevocationSet {
  readonly #entries: ReadonlyMap<string, RevocationEntry>;

  private constructor(entries: ReadonlyMap<string, RevocationEntry>) {
    this.#entries = entries;
  }

  static readonly empty = new RevocationSet(new Map());

  static of(entries: Iterable<RevocationEntry>): RevocationSet {
    const map = new Map<string, RevocationEntry>();
    for (const entry of entries) map.set(normalizeSerial(entry.serial), { ...entry, serial: normalizeSerial(entry.serial) });
    return new RevocationSet(map);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** `serial` in any hex form (Node's upper case with leading zeros included). */
  has(serial: string): boolean {
    return this.#entries.has(normalizeSerial(serial));
  }

  get(serial: string): RevocationEntry | undefined {
    return this.#entries.get(normalizeSerial(serial));
  }

  /** A set with `entry` added; the first revocation of a serial is kept. */
  with(entry: RevocationEntry): RevocationSet {
    const serial = normalizeSerial(entry.serial);
    if (this.#entries.has(serial)) return this;
    const map = new Map(this.#entries);
    map.set(serial, { ...entry, serial });
    return new RevocationSet(map);
  }

  entries(): RevocationEntry[] {
    return [...this.#entries.values()].sort((a, b) => a.revokedAt - b.revokedAt || a.serial.localeCompare(b.serial));
  }
}

/** Largest persisted list read back (bytes): 100k entries fit. */
export const maxRevocationListBytes = 16 * 1024 * 1024;

/** The persisted form: JSON, one object per entry, versioned. */
export function encodeRevocations(set: RevocationSet): string {
  return `${JSON.stringify({ format: 1, revoked: set.entries() }, null, 1)}\n`;
}

function bad(found: string): never {
  throw new DecodeError('PW_ERR_DECODE', `Cannot read the revocation list: ${found}; `
    + 'expected {"format":1,"revoked":[{"serial","revokedAt","reason"}...]}');
}

export function parseRevocations(text: string): RevocationSet {
  if (text.length > maxRevocationListBytes) bad(`${text.length} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    bad('text that is not JSON');
  }
  if (typeof value !== 'object' || value === null || !('format' in value) || value.format !== 1
    || !('revoked' in value) || !Array.isArray(value.revoked)) {
    bad('another structure or format');
  }
  const entries = (value.revoked as unknown[]).map((item, index): RevocationEntry => {
    if (typeof item !== 'object' || item === null) bad(`entry ${index} is not an object`);
    const { serial, revokedAt, reason } = item as Record<string, unknown>;
    if (typeof serial !== 'string' || !/^[0-9a-fA-F]{1,40}$/.test(serial)) bad(`entry ${index} has serial ${JSON.stringify(serial)}`);
    if (typeof revokedAt !== 'number' || !Number.isSafeInteger(revokedAt)) bad(`entry ${index} has revokedAt ${JSON.stringify(revokedAt)}`);
    if (typeof reason !== 'string' || !isRevocationReason(reason)) bad(`entry ${index} has reason ${JSON.stringify(reason)}`);
    return { serial, revokedAt, reason };
  });
  return RevocationSet.of(entries);
}
