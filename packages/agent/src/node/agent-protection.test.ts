import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseMeterId } from '@phasewire/core';
import type { TripRecord } from '@phasewire/meter';
import type { ReadingSource } from '../reading-source.ts';
import { reportProtection } from './agent-protection.ts';
import { RelayStatusReporter } from './relay-status.ts';

const meter = parseMeterId('prot-kill-1');
const trip = { at: 1_000, fn: 'phase-loss', reason: 'L3 lost', value: 0, pickup: 0.5, settingsVersion: 1, values: {} } as unknown as
  TripRecord;

/** A meter whose relay a trip opened; `trips` is what its protection recorded. */
const sourceWith = (trips: TripRecord[]): ReadingSource => ({
  read: () => Promise.resolve(undefined), takeTrips: () => trips.splice(0),
  relay: { state: 'open' } as unknown as NonNullable<ReadingSource['relay']>,
});

test('an agent killed between a trip and its queueing reports the trip once at its next start', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pw-agent-protection-'));
  after(() => rm(dataDir, { recursive: true, force: true }));
  // The first run takes the trip from the meter, then dies before the queue holds it (the append throws).
  const killed = reportProtection(sourceWith([trip]), meter, { dataDir }, await RelayStatusReporter.open(dataDir), 2_000,
    () => Promise.reject(new Error('killed')));
  await assert.rejects(killed, /killed/u);
  // The next run's meter has no trip left in memory; the one taken before the kill is queued, once.
  const queued: { type: string; body: unknown }[] = [];
  const enqueue = (type: 'event' | 'status', body: unknown): Promise<void> => {
    queued.push({ type, body });
    return Promise.resolve();
  };
  const reporter = await RelayStatusReporter.open(dataDir);
  const restarted = sourceWith([]);
  assert.equal(await reportProtection(restarted, meter, { dataDir }, reporter, 3_000, enqueue), true);
  assert.deepEqual(queued.filter((q) => q.type === 'event').map((q) => (q.body as { fn: string; at: number }).at), [1_000]);
  queued.length = 0;
  await reportProtection(restarted, meter, { dataDir }, reporter, 4_000, enqueue);
  assert.equal(queued.length, 0, 'reported once: the next reading queues nothing again');
  // A third start (the trip was queued and is no longer pending) does not queue it again either.
  await reportProtection(restarted, meter, { dataDir }, await RelayStatusReporter.open(dataDir), 5_000, enqueue);
  assert.deepEqual(queued.filter((q) => q.type === 'event'), []);
});
