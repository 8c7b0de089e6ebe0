// Intervals read but not yet sealed: a cellular meter batches several intervals per message, and
// an interval must survive a kill -9 from the moment it is read, not only once its message is
// sealed. Each interval is appended to a durable queue of its own as a one-snapshot CBOR WireBatch;
// when a message's worth is there the agent seals them together into the main queue and releases
// them here. (Between read and seal they rest unencrypted in the meter's own data directory.)
import { fromWireBatch, toWireBatch } from '@phasewire/core';
import type { Snapshot } from '@phasewire/core';
import { decodeEnvelopeBody, encodeEnvelopeBody } from '@phasewire/secure';
import { DurableQueue } from './queue/durable-queue.ts';

export class ReadingStage {
  readonly #queue: DurableQueue;
  readonly #staged: { seq: number; snapshot: Snapshot }[];

  private constructor(queue: DurableQueue, staged: { seq: number; snapshot: Snapshot }[]) {
    this.#queue = queue;
    this.#staged = staged;
  }

  /** Opens the stage in `dir`, with every interval a crash left staged. */
  static async open(dir: string): Promise<ReadingStage> {
    const queue = await DurableQueue.open(dir);
    const staged = queue.peek(Number.MAX_SAFE_INTEGER).flatMap((record) => {
      const snapshot = fromWireBatch(decodeEnvelopeBody(record.payload)).snapshots[0];
      return snapshot === undefined ? [] : [{ seq: record.seq, snapshot }];
    });
    return new ReadingStage(queue, staged);
  }

  get length(): number {
    return this.#staged.length;
  }

  /** Time of the newest staged interval. */
  get lastAt(): number | undefined {
    return this.#staged.at(-1)?.snapshot.at;
  }

  /** Stages an interval; resolves once it is on disk. */
  async add(snapshot: Snapshot): Promise<void> {
    const [seq] = await this.#queue.append(encodeEnvelopeBody(toWireBatch({ meter: snapshot.meter, snapshots: [snapshot] })));
    this.#staged.push({ seq: seq ?? 0, snapshot });
  }

  /** The staged intervals, oldest first, to seal; `release` them once the sealed message is queued. */
  snapshots(): { snapshots: Snapshot[]; seqs: number[] } {
    return { snapshots: this.#staged.map((s) => s.snapshot), seqs: this.#staged.map((s) => s.seq) };
  }

  async release(seqs: readonly number[]): Promise<void> {
    const released = new Set(seqs);
    for (let i = this.#staged.length - 1; i >= 0; i--) if (released.has(this.#staged[i]?.seq ?? -1)) this.#staged.splice(i, 1);
    await this.#queue.ack(...seqs);
  }

  close(): Promise<void> {
    return this.#queue.close();
  }
}
