// Enrollment tokens on disk: one JSON file (mode 0600, it holds hashes of bearer secrets) in the
// CA directory, replaced atomically. Operations of one store run one at a time, so `consume` is a
// true compare-and-set within the process; the CA directory's lock keeps other processes out.
import { readFile } from 'node:fs/promises';
import { StoreError } from '@phasewire/core';
import type { TokenRecord, TokenStore } from '../../enroll/enrollment-token.ts';
import { parseDeviceIdentity } from '../../pki/device-identity.ts';
import { writeFileAtomic } from '../keystore/atomic-file.ts';

function bad(path: string, found: string, cause?: unknown): StoreError {
  return new StoreError('PW_ERR_ENROLL_TOKEN_STORE', `Cannot read the enrollment tokens in ${path}: ${found}; `
    + 'expected the format-1 file phasewire writes', cause === undefined ? undefined : { cause });
}

function parseRecord(path: string, item: unknown): TokenRecord {
  const record = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
  const { id, device, createdAt, expiresAt, secretHash, usedAt, usedFor } = record;
  if (typeof id !== 'string' || typeof device !== 'string' || typeof secretHash !== 'string'
    || typeof createdAt !== 'number' || typeof expiresAt !== 'number'
    || (usedAt !== undefined && typeof usedAt !== 'number') || (usedFor !== undefined && typeof usedFor !== 'string')) {
    throw bad(path, `a malformed entry ${JSON.stringify(id)}`);
  }
  let identity;
  try {
    identity = parseDeviceIdentity(device);
  } catch (error) {
    throw bad(path, `entry ${id} names device ${JSON.stringify(device)}`, error);
  }
  return {
    id, device: identity, createdAt, expiresAt, secretHash,
    ...(usedAt === undefined ? {} : { usedAt }),
    ...(usedFor === undefined ? {} : { usedFor }),
  };
}

export class TokenFileStore implements TokenStore {
  readonly path: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  #serialised<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #read(): Promise<TokenRecord[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return [];
      throw bad(this.path, error instanceof Error ? error.message : String(error), error);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw bad(this.path, 'text that is not JSON', error);
    }
    const document = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    if (document['format'] !== 1 || !Array.isArray(document['tokens'])) throw bad(this.path, 'another structure');
    return (document['tokens'] as unknown[]).map((item) => parseRecord(this.path, item));
  }

  async #write(records: readonly TokenRecord[]): Promise<void> {
    const tokens = records.map((record) => ({ ...record, device: `${record.device.kind}:${record.device.id}` }));
    try {
      await writeFileAtomic(this.path, `${JSON.stringify({ format: 1, tokens }, null, 1)}\n`);
    } catch (error) {
      throw new StoreError('PW_ERR_ENROLL_TOKEN_STORE', `Cannot write the enrollment tokens to ${this.path}: `
        + (error instanceof Error ? error.message : String(error)), { cause: error });
    }
  }

  get(id: string): Promise<TokenRecord | undefined> {
    return this.#serialised(async () => (await this.#read()).find((record) => record.id === id));
  }

  list(): Promise<TokenRecord[]> {
    return this.#serialised(() => this.#read());
  }

  add(record: TokenRecord): Promise<void> {
    return this.#serialised(async () => {
      const records = await this.#read();
      if (records.some((item) => item.id === record.id)) {
        throw new StoreError('PW_ERR_ENROLL_TOKEN_STORE', `Cannot add enrollment token ${record.id}: the id exists; `
          + 'expected a fresh random id');
      }
      await this.#write([...records, record]);
    });
  }

  consume(id: string, at: number): Promise<boolean> {
    return this.#serialised(async () => {
      const records = await this.#read();
      const record = records.find((item) => item.id === id);
      if (record === undefined || record.usedAt !== undefined) return false;
      await this.#write(records.map((item) => item.id === id ? { ...item, usedAt: at } : item));
      return true;
    });
  }

  recordSerial(id: string, serial: string): Promise<void> {
    return this.#serialised(async () => {
      const records = await this.#read();
      await this.#write(records.map((item) => item.id === id ? { ...item, usedFor: serial } : item));
    });
  }
}
