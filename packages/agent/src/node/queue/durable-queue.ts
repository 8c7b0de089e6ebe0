// The store-and-forward queue of a meter or gateway: readings wait here, on disk, until the head-end
// has acknowledged them. It survives a kill -9 (an append is durable when its promise resolves) and a
// power cut in the middle of a write (a torn record at the tail is detected by its CRC and cut off on
// the next open). It is bounded: when full it refuses new records with PW_ERR_QUEUE_FULL and never
// drops one it has accepted.
//
// On disk, in its own directory:
//   <first-seq, 20 digits>.seg   records, appended in sequence order; a new segment past segmentBytes
//   ack                          the highest sequence below which everything is acknowledged (floor)
// A record is [length u32][crc32 u32][seq u64][payload]; the CRC (zlib's CRC-32) covers seq and payload.
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, mkdirSync, writeFileSync,
  ftruncateSync } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { StoreError, ValidationError } from '@phasewire/core';

const headerBytes = 16;
const segmentSuffix = '.seg';

export interface DurableQueueOptions {
  /** Upper bound on the payload bytes waiting for acknowledgement (default 16 MiB). */
  readonly maxBytes?: number;
  /** Size past which a new segment file is started (default 1 MiB). */
  readonly segmentBytes?: number;
  /** Upper bound on one record's payload (default 1 MiB). */
  readonly maxRecordBytes?: number;
}

export interface QueuedRecord {
  readonly seq: number;
  readonly payload: Uint8Array;
}

export interface RecoveryReport {
  /** Records found waiting for acknowledgement at open. */
  readonly pending: number;
  /** Bytes cut off the tail because they did not form a whole, intact record (a torn write). */
  readonly discardedBytes: number;
}

interface Segment {
  readonly firstSeq: number;
  readonly path: string;
  bytes: number;
  lastSeq: number;
}

export class DurableQueue {
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #segmentBytes: number;
  readonly #maxRecordBytes: number;
  readonly #pending: QueuedRecord[] = [];
  readonly #segments: Segment[];
  readonly #ackedAbove = new Set<number>();
  #pendingBytes = 0;
  #floor: number;
  #nextSeq: number;
  #handle: FileHandle | undefined;
  #flush: Promise<void> = Promise.resolve();
  #closed = false;
  readonly recovery: RecoveryReport;

  private constructor(
    dir: string,
    options: DurableQueueOptions,
    state: { segments: Segment[]; pending: QueuedRecord[]; floor: number; nextSeq: number; discardedBytes: number },
  ) {
    this.#dir = dir;
    this.#maxBytes = options.maxBytes ?? 16 * 2 ** 20;
    this.#segmentBytes = options.segmentBytes ?? 2 ** 20;
    this.#maxRecordBytes = options.maxRecordBytes ?? 2 ** 20;
    this.#segments = state.segments;
    this.#floor = state.floor;
    this.#nextSeq = state.nextSeq;
    for (const record of state.pending) {
      this.#pending.push(record);
      this.#pendingBytes += record.payload.length;
    }
    this.recovery = { pending: state.pending.length, discardedBytes: state.discardedBytes };
  }

  /** Opens (and recovers) the queue in `dir`, creating it when it does not exist. */
  static async open(dir: string, options: DurableQueueOptions = {}): Promise<DurableQueue> {
    mkdirSync(dir, { recursive: true });
    const floor = await readFloor(dir);
    const { segments, pending, nextSeq, discardedBytes } = recoverSegments(dir, floor);
    const queue = new DurableQueue(dir, options, { segments, pending, floor, nextSeq: Math.max(nextSeq, floor + 1), discardedBytes });
    queue.#dropAcknowledgedSegments();
    return queue;
  }

  /** Records waiting for acknowledgement. */
  get length(): number {
    return this.#pending.length;
  }

  /** Payload bytes waiting for acknowledgement. */
  get bytes(): number {
    return this.#pendingBytes;
  }

  /**
   * Appends records; resolves with their sequence numbers once they are on disk (fsync). Appends made
   * in the same tick share one write and one fsync (group commit). Refuses the whole call, accepting
   * none of it, when the records would not fit.
   */
  async append(...payloads: readonly Uint8Array[]): Promise<number[]> {
    this.#assertOpen();
    const size = payloads.reduce((sum, p) => sum + p.length, 0);
    const tooLarge = payloads.find((p) => p.length > this.#maxRecordBytes);
    if (tooLarge !== undefined) {
      throw new ValidationError('PW_ERR_QUEUE_RECORD_TOO_LARGE',
        `Cannot queue a record of ${tooLarge.length} bytes: expected at most ${this.#maxRecordBytes}`);
    }
    if (this.#pendingBytes + size > this.#maxBytes) {
      throw new StoreError('PW_ERR_QUEUE_FULL', `Cannot queue ${payloads.length} record(s) of ${size} bytes: the queue `
        + `holds ${this.#pendingBytes} of ${this.#maxBytes} bytes waiting for acknowledgement; nothing was added`);
    }
    const records = payloads.map((payload) => ({ seq: this.#nextSeq++, payload: Uint8Array.from(payload) }));
    for (const record of records) {
      this.#pending.push(record);
      this.#pendingBytes += record.payload.length;
    }
    const written = this.#flush.then(() => this.#write(records));
    this.#flush = written.catch(() => undefined);
    try {
      await written;
    } catch (error: unknown) {
      // Not on disk, so not accepted: take the records back out and say so.
      const seqs = new Set(records.map((r) => r.seq));
      for (let i = this.#pending.length - 1; i >= 0; i--) {
        const record = this.#pending[i];
        if (record !== undefined && seqs.has(record.seq)) {
          this.#pending.splice(i, 1);
          this.#pendingBytes -= record.payload.length;
        }
      }
      throw new StoreError('PW_ERR_QUEUE_WRITE',
        `Cannot queue ${records.length} record(s) in ${this.#dir}: the write failed; nothing was added`, { cause: error });
    }
    return records.map((r) => r.seq);
  }

  /** The oldest records not yet acknowledged, at most `maxCount` of them and about `maxBytes`. */
  peek(maxCount: number, maxBytes = Number.POSITIVE_INFINITY): QueuedRecord[] {
    const out: QueuedRecord[] = [];
    let bytes = 0;
    for (const record of this.#pending) {
      if (out.length >= maxCount || (out.length > 0 && bytes + record.payload.length > maxBytes)) break;
      if (this.#ackedAbove.has(record.seq)) continue;
      out.push(record);
      bytes += record.payload.length;
    }
    return out;
  }

  /**
   * Marks records as acknowledged. The contiguous acknowledged prefix is written durably; an
   * acknowledgement above a gap is held in memory until the gap closes (after a crash that record
   * is sent again, which the head-end's idempotent ingest absorbs).
   */
  async ack(...seqs: readonly number[]): Promise<void> {
    this.#assertOpen();
    for (const seq of seqs) if (seq > this.#floor) this.#ackedAbove.add(seq);
    let moved = false;
    while (this.#ackedAbove.has(this.#floor + 1)) {
      this.#ackedAbove.delete(this.#floor + 1);
      this.#floor++;
      moved = true;
    }
    if (!moved) return;
    while (this.#pending.length > 0 && (this.#pending[0]?.seq ?? Number.POSITIVE_INFINITY) <= this.#floor) {
      const record = this.#pending.shift();
      this.#pendingBytes -= record?.payload.length ?? 0;
    }
    await this.#flush;
    writeFloor(this.#dir, this.#floor);
    this.#dropAcknowledgedSegments();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#flush;
    await this.#handle?.close();
    this.#handle = undefined;
  }

  async #write(records: readonly QueuedRecord[]): Promise<void> {
    const frames = records.map(encodeRecord);
    const size = frames.reduce((sum, f) => sum + f.length, 0);
    let segment = this.#segments.at(-1);
    if (segment !== undefined && this.#handle === undefined && segment.bytes + size <= this.#segmentBytes) {
      // After a reopen, go on appending to the last segment while it has room.
      this.#handle = await open(segment.path, 'a');
    }
    if (segment === undefined || this.#handle === undefined || segment.bytes + size > this.#segmentBytes) {
      await this.#handle?.close();
      const first = records[0]?.seq ?? this.#nextSeq;
      segment = { firstSeq: first, path: join(this.#dir, segmentName(first)), bytes: 0, lastSeq: first - 1 };
      this.#segments.push(segment);
      this.#handle = await open(segment.path, 'a');
      fsyncDir(this.#dir);
    }
    await this.#handle.writev(frames);
    await this.#handle.datasync();
    segment.bytes += size;
    segment.lastSeq = records.at(-1)?.seq ?? segment.lastSeq;
  }

  #dropAcknowledgedSegments(): void {
    // The last segment stays: it is the one being appended to.
    while (this.#segments.length > 1 && (this.#segments[0]?.lastSeq ?? Number.POSITIVE_INFINITY) <= this.#floor) {
      const segment = this.#segments.shift();
      if (segment !== undefined) rmSync(segment.path, { force: true });
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError('PW_ERR_QUEUE_CLOSED', `Cannot use the queue in ${this.#dir}: it is closed`);
  }
}

function segmentName(firstSeq: number): string {
  return `${String(firstSeq).padStart(20, '0')}${segmentSuffix}`;
}

function encodeRecord(record: QueuedRecord): Uint8Array {
  const frame = new Uint8Array(headerBytes + record.payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, record.payload.length);
  view.setBigUint64(8, BigInt(record.seq));
  frame.set(record.payload, headerBytes);
  view.setUint32(4, crc32(frame.subarray(8)));
  return frame;
}

async function readFloor(dir: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(join(dir, 'ack'), 'utf8');
  } catch {
    return 0;
  }
  const floor = Number(text.trim());
  if (!Number.isSafeInteger(floor) || floor < 0) {
    throw new StoreError('PW_ERR_QUEUE_CORRUPT',
      `Cannot open the queue in ${dir}: its ack file holds ${JSON.stringify(text)}, expected a sequence number`);
  }
  return floor;
}

function writeFloor(dir: string, floor: number): void {
  // Write, fsync, rename, fsync the directory: the ack file is either the old or the new floor.
  const temp = join(dir, 'ack.tmp');
  writeFileSync(temp, `${floor}\n`);
  const fd = openSync(temp, 'r+');
  try { fsyncSync(fd); } finally { closeSync(fd); }
  renameSync(temp, join(dir, 'ack'));
  fsyncDir(dir);
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

function recoverSegments(
  dir: string,
  floor: number,
): { segments: Segment[]; pending: QueuedRecord[]; nextSeq: number; discardedBytes: number } {
  const names = readdirSync(dir).filter((name) => name.endsWith(segmentSuffix)).sort();
  const segments: Segment[] = [];
  const pending: QueuedRecord[] = [];
  let nextSeq = 1;
  let discardedBytes = 0;
  let torn = false;
  for (const name of names) {
    const path = join(dir, name);
    const data = readFileSync(path);
    if (torn) {
      // Nothing after a torn record can be trusted: it was written after it.
      discardedBytes += data.length;
      rmSync(path, { force: true });
      continue;
    }
    const firstSeq = Number(name.slice(0, -segmentSuffix.length));
    const segment: Segment = { firstSeq, path, bytes: 0, lastSeq: firstSeq - 1 };
    let offset = 0;
    while (offset < data.length) {
      const record = decodeRecord(data, offset);
      if (record === undefined || (segment.lastSeq >= firstSeq && record.seq !== segment.lastSeq + 1)) {
        torn = true;
        break;
      }
      offset += headerBytes + record.payload.length;
      segment.lastSeq = record.seq;
      nextSeq = record.seq + 1;
      if (record.seq > floor) pending.push(record);
    }
    if (offset < data.length) {
      discardedBytes += data.length - offset;
      const fd = openSync(path, 'r+');
      try { ftruncateSync(fd, offset); fsyncSync(fd); } finally { closeSync(fd); }
    }
    segment.bytes = offset;
    segments.push(segment);
  }
  return { segments, pending, nextSeq, discardedBytes };
}

function decodeRecord(data: Uint8Array, offset: number): QueuedRecord | undefined {
  if (data.length - offset < headerBytes) return undefined;
  const view = new DataView(data.buffer, data.byteOffset + offset);
  const length = view.getUint32(0);
  if (length > data.length - offset - headerBytes) return undefined;
  const body = data.subarray(offset + 8, offset + headerBytes + length);
  if (crc32(body) !== view.getUint32(4)) return undefined;
  const seq = Number(view.getBigUint64(8));
  if (!Number.isSafeInteger(seq) || seq < 1) return undefined;
  return { seq, payload: Uint8Array.from(data.subarray(offset + headerBytes, offset + headerBytes + length)) };
}
