// Enrollment tokens in memory: for tests and for a CA that lives only as long as its process.
import type { TokenRecord, TokenStore } from '../enroll/enrollment-token.ts';

export class MemoryTokenStore implements TokenStore {
  readonly #records = new Map<string, TokenRecord>();

  get(id: string): Promise<TokenRecord | undefined> {
    return Promise.resolve(this.#records.get(id));
  }

  add(record: TokenRecord): Promise<void> {
    this.#records.set(record.id, record);
    return Promise.resolve();
  }

  consume(id: string, at: number): Promise<boolean> {
    const record = this.#records.get(id);
    if (record === undefined || record.usedAt !== undefined) return Promise.resolve(false);
    this.#records.set(id, { ...record, usedAt: at });
    return Promise.resolve(true);
  }

  recordSerial(id: string, serial: string): Promise<void> {
    const record = this.#records.get(id);
    if (record !== undefined) this.#records.set(id, { ...record, usedFor: serial });
    return Promise.resolve();
  }

  list(): Promise<TokenRecord[]> {
    return Promise.resolve([...this.#records.values()]);
  }
}
