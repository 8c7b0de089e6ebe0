// A CounterStore in one file: an append-only log of "scope counter crc32" lines, flushed with
// fdatasync before advance() resolves, several advances sharing one flush (group commit). At open
// the log is read (the highest value per scope wins), then rewritten compactly with an atomic
// replace; it is compacted again whenever it grows past four records per scope. For a meter's
// few scopes and the embedded head-end; a large head-end keeps its window in its database.
import { crc32 } from 'node:zlib';
import { lstat, open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { StoreError } from '@phasewire/core';
import { isCounterScope } from '../../replay/counter-store.ts';
import type { CounterScope, CounterStore } from '../../replay/counter-store.ts';
import { maxInvocationCounter } from '../../envelope/envelope-format.ts';
import { ownerOnlyMode, writeFileAtomic } from '../keystore/atomic-file.ts';

const fileHeader = 'phasewire-counters v1\n';
const recordPattern = /^(\S+) ([0-9]{1,20}) ([0-9a-f]{8})$/;
const minRecordsBeforeCompaction = 1024;
const done: Promise<void> = Promise.resolve();

function record(scope: CounterScope, value: bigint): string {
  const body = `${scope} ${value}`;
  return `${body} ${crc32(body).toString(16).padStart(8, '0')}\n`;
}

export class FileCounterStore implements CounterStore {
  readonly #path: string;
  readonly #values: Map<CounterScope, bigint>;
  #handle: FileHandle | undefined;
  #records: number;
  #queue: string[] = [];
  /** The batch that still takes records (its write has not started). */
  #batch: Promise<void> | undefined;
  /** The last batch scheduled, settled either way: the next one starts after it. */
  #tail: Promise<void> = done;

  private constructor(path: string, values: Map<CounterScope, bigint>, handle: FileHandle) {
    this.#path = path;
    this.#values = values;
    this.#handle = handle;
    this.#records = values.size;
  }

  /** Opens the store at `path`, creating it (mode 0600) when it does not exist. */
  static async open(path: string): Promise<FileCounterStore> {
    const values = await load(path);
    await writeFileAtomic(path, snapshot(values), ownerOnlyMode);
    const handle = await openForAppend(path);
    return new FileCounterStore(path, values, handle);
  }

  get(scope: CounterScope): bigint {
    return this.#values.get(scope) ?? 0n;
  }

  advance(scope: CounterScope, value: bigint): Promise<void> {
    if (this.#handle === undefined) {
      return Promise.reject(new StoreError('PW_ERR_COUNTER_STORE', `Cannot advance counter ${scope}: `
        + `the counter store ${this.#path} is closed`));
    }
    if (value < 1n || value > maxInvocationCounter) {
      return Promise.reject(new StoreError('PW_ERR_COUNTER_STORE', `Cannot advance counter ${scope} to ${value}: `
        + `expected 1 to ${maxInvocationCounter}`));
    }
    if (value <= this.get(scope)) return this.#batch ?? this.#tail;
    this.#values.set(scope, value);
    this.#queue.push(record(scope, value));
    return this.#schedule();
  }

  async close(): Promise<void> {
    await this.#tail;
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  #schedule(): Promise<void> {
    if (this.#batch !== undefined) return this.#batch;
    const batch = this.#tail.then(() => this.#flush());
    this.#batch = batch;
    this.#tail = batch.then(() => undefined, () => undefined);
    return batch;
  }

  async #flush(): Promise<void> {
    this.#batch = undefined;
    const lines = this.#queue;
    this.#queue = [];
    const handle = this.#handle;
    if (lines.length === 0 || handle === undefined) return;
    try {
      await handle.write(lines.join(''));
      await handle.datasync();
      this.#records += lines.length;
      if (this.#records > Math.max(minRecordsBeforeCompaction, 4 * this.#values.size)) await this.#compact(handle);
    } catch (error) {
      throw new StoreError('PW_ERR_COUNTER_STORE', `Cannot write ${lines.length} counter records to ${this.#path}`, { cause: error });
    }
  }

  async #compact(handle: FileHandle): Promise<void> {
    await writeFileAtomic(this.#path, snapshot(this.#values), ownerOnlyMode);
    await handle.close();
    this.#handle = await openForAppend(this.#path);
    this.#records = this.#values.size;
  }
}

function snapshot(values: ReadonlyMap<CounterScope, bigint>): string {
  let text = fileHeader;
  for (const [scope, value] of values) text += record(scope, value);
  return text;
}

async function openForAppend(path: string): Promise<FileHandle> {
  return open(path, 'a', ownerOnlyMode);
}

/**
 * Reads the log. A torn tail (the last write cut short by a crash, never acknowledged) is
 * skipped; a bad record followed by good ones is corruption and refused, because dropping a
 * counter could let a nonce or a replay through.
 */
async function load(path: string): Promise<Map<CounterScope, bigint>> {
  const values = new Map<CounterScope, bigint>();
  let text: string;
  try {
    const stats = await lstat(path);
    if (!stats.isFile() || (stats.mode & 0o022) !== 0) {
      throw new StoreError('PW_ERR_COUNTER_STORE',
        `Cannot open counter store ${path}: expected a regular file writable only by its owner, `
        + `found mode 0${(stats.mode & 0o777).toString(8)}${stats.isFile() ? '' : ' (not a regular file)'}`);
    }
    text = await readFile(path, 'latin1');
  } catch (error) {
    if (error instanceof StoreError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return values;
    throw new StoreError('PW_ERR_COUNTER_STORE', `Cannot read counter store ${path}`, { cause: error });
  }
  if (!text.startsWith(fileHeader)) {
    throw new StoreError('PW_ERR_COUNTER_STORE', `Cannot open counter store ${path}: it does not start with "${fileHeader.trim()}"`);
  }
  const lines = text.slice(fileHeader.length).split('\n');
  let firstBad: number | undefined;
  for (const [index, line] of lines.entries()) {
    const parsed = parseRecord(line);
    if (parsed === undefined) {
      firstBad ??= index;
      continue;
    }
    if (firstBad !== undefined) {
      throw new StoreError('PW_ERR_COUNTER_STORE',
        `Cannot open counter store ${path}: record ${firstBad + 1} is damaged and records follow it; `
        + 'refusing rather than losing a counter');
    }
    const [scope, value] = parsed;
    if (value > (values.get(scope) ?? 0n)) values.set(scope, value);
  }
  return values;
}

function parseRecord(line: string): [CounterScope, bigint] | undefined {
  const match = recordPattern.exec(line);
  if (match === null) return undefined;
  const [, scope, digits, checksum] = match;
  if (scope === undefined || digits === undefined || checksum === undefined || !isCounterScope(scope)) return undefined;
  if (crc32(`${scope} ${digits}`) !== Number.parseInt(checksum, 16)) return undefined;
  const value = BigInt(digits);
  return value <= maxInvocationCounter ? [scope, value] : undefined;
}
