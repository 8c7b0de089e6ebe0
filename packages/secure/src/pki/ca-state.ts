// What a CA remembers between runs: the serial counter, the CRL number, the keystore labels of
// its two keys and the index of every certificate it issued (with revocations and renewals). The
// certificates themselves are stored beside it (see CaStore). One versioned JSON document, read
// back through a parse function that refuses anything malformed.
import { StoreError } from '@phasewire/core';
import type { DeviceIdentity } from './device-identity.ts';
import { parseDeviceIdentity } from './device-identity.ts';
import type { ServerNames } from './profiles.ts';
import type { RevocationReason } from './revocation-set.ts';
import { isRevocationReason } from './revocation-set.ts';

export type IssuedProfile = 'issuing-ca' | 'server' | 'device';

export interface IssuedCertificate {
  /** Normalised hex serial. */
  readonly serial: string;
  readonly profile: IssuedProfile;
  /** Subject DN as text. */
  readonly subject: string;
  readonly device?: DeviceIdentity;
  readonly names?: ServerNames;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly issuedAt: number;
  readonly revoked?: { readonly at: number; readonly reason: RevocationReason };
  /** The serial this certificate renewed, and the one that renewed it. */
  readonly replaces?: string;
  readonly replacedBy?: string;
}

export interface CaState {
  readonly format: 1;
  /** The next serial number to assign; never reused, saved before the signature is made. */
  readonly nextSerial: number;
  readonly crlNumber: number;
  /** Keystore labels of the CA keys. */
  readonly keys: { readonly root: string; readonly issuing: string };
  /** Serials of the current root and issuing CA certificates. */
  readonly root: string;
  readonly issuing: string;
  readonly issued: readonly IssuedCertificate[];
}

/** Where a CA keeps its state and certificates; the Node directory store implements it. */
export interface CaStore {
  /** The saved state, or undefined when no CA exists here. */
  readState(): Promise<CaState | undefined>;
  /** Replaces the saved state atomically: after a crash either the old or the new one is read. */
  writeState(state: CaState): Promise<void>;
  writeCertificate(serial: string, der: Uint8Array): Promise<void>;
  readCertificate(serial: string): Promise<Uint8Array>;
  /** Publishes the current CRLs (DER) of the issuing CA and of the root. */
  writeCrls(crls: { readonly issuing: Uint8Array; readonly root: Uint8Array }): Promise<void>;
  /**
   * Runs `body` with the store to itself, when other processes share it (the CA directory's lock);
   * a store of one process leaves it out.
   */
  exclusive?<T>(body: () => Promise<T>): Promise<T>;
}

function bad(found: string): never {
  throw new StoreError('PW_ERR_CA_STATE', `Cannot read the CA state: ${found}; expected the format-1 document that phasewire writes`);
}

const serialPattern = /^[0-9a-f]{2,40}$/;
const isSerial = (value: unknown): value is string => typeof value === 'string' && serialPattern.test(value);
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);
const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

function parseIssued(item: unknown, index: number): IssuedCertificate {
  if (typeof item !== 'object' || item === null) bad(`issued entry ${index} is not an object`);
  const record = item as Record<string, unknown>;
  const { serial, profile, subject, notBefore, notAfter, issuedAt } = record;
  if (!isSerial(serial)) bad(`issued entry ${index} has serial ${JSON.stringify(serial)}`);
  if (profile !== 'issuing-ca' && profile !== 'server' && profile !== 'device') {
    bad(`certificate ${serial} has profile ${JSON.stringify(profile)}`);
  }
  if (typeof subject !== 'string' || !isTime(notBefore) || !isTime(notAfter) || !isTime(issuedAt)) {
    bad(`certificate ${serial} lacks its subject or times`);
  }
  let entry: IssuedCertificate = { serial, profile, subject, notBefore, notAfter, issuedAt };
  if (record['device'] !== undefined) {
    const device = record['device'];
    let identity: DeviceIdentity | undefined;
    try {
      identity = typeof device === 'string' ? parseDeviceIdentity(device) : undefined;
    } catch {
      identity = undefined;
    }
    if (identity === undefined) bad(`certificate ${serial} has device ${JSON.stringify(device)}`);
    entry = { ...entry, device: identity };
  }
  const names = record['names'];
  if (names !== undefined) {
    const { dns, ips } = names as Record<string, unknown>;
    if (!isStringList(dns) || !isStringList(ips)) bad(`certificate ${serial} has malformed names`);
    entry = { ...entry, names: { dns, ips } };
  }
  const revoked = record['revoked'];
  if (revoked !== undefined) {
    const { at, reason } = revoked as Record<string, unknown>;
    if (!isTime(at) || typeof reason !== 'string' || !isRevocationReason(reason)) bad(`certificate ${serial} has a malformed revocation`);
    entry = { ...entry, revoked: { at, reason } };
  }
  for (const key of ['replaces', 'replacedBy'] as const) {
    const value = record[key];
    if (value === undefined) continue;
    if (!isSerial(value)) bad(`certificate ${serial} has ${key} ${JSON.stringify(value)}`);
    entry = { ...entry, [key]: value };
  }
  return entry;
}

export function parseCaState(text: string): CaState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    bad('text that is not JSON');
  }
  if (typeof value !== 'object' || value === null) bad('a value that is not an object');
  const record = value as Record<string, unknown>;
  const { format, nextSerial, crlNumber, keys, root, issuing, issued } = record;
  if (format !== 1) bad(`format ${JSON.stringify(format)}`);
  if (!isTime(nextSerial) || nextSerial < 1 || !isTime(crlNumber) || crlNumber < 0) bad('a malformed serial counter or CRL number');
  const { root: rootLabel, issuing: issuingLabel } = (keys ?? {}) as Record<string, unknown>;
  if (typeof rootLabel !== 'string' || typeof issuingLabel !== 'string') bad('no keystore labels');
  if (!isSerial(root) || !isSerial(issuing)) bad('no root or issuing CA serial');
  if (!Array.isArray(issued)) bad('no issued index');
  return {
    format, nextSerial, crlNumber, keys: { root: rootLabel, issuing: issuingLabel }, root, issuing, issued: issued.map(parseIssued),
  };
}

export function encodeCaState(state: CaState): string {
  const issued = state.issued.map((entry) => ({
    ...entry,
    ...(entry.device === undefined ? {} : { device: `${entry.device.kind}:${entry.device.id}` }),
  }));
  return `${JSON.stringify({ ...state, issued }, null, 1)}\n`;
}
