import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { hasCode, parseMeterId, StoreError } from '@phasewire/core';
import { CounterReservation } from './counter-reservation.ts';
import { counterScope, MemoryCounterStore } from './counter-store.ts';
import type { CounterScope, CounterStore } from './counter-store.ts';

const scope = counterScope(parseMeterId('meter-0001'), 'uplink', 1);

async function take(reservation: CounterReservation, count: number): Promise<bigint[]> {
  const counters: bigint[] = [];
  for (let i = 0; i < count; i += 1) counters.push(await reservation.next(scope));
  return counters;
}

test('hands out 1, 2, 3… and writes the block high-water mark before the first counter of a block', async () => {
  const writes: bigint[] = [];
  const memory = new MemoryCounterStore();
  const store: CounterStore = {
    get: (s) => memory.get(s),
    advance: (s, value) => { writes.push(value); return memory.advance(s, value); },
    close: () => memory.close(),
  };
  const reservation = new CounterReservation({ store, blockSize: 4 });
  assert.deepEqual(await take(reservation, 9), [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n]);
  assert.deepEqual(writes, [4n, 8n, 12n]);
});

test('continues above the stored high-water mark after a restart, skipping but never repeating', async () => {
  const store = new MemoryCounterStore();
  assert.deepEqual(await take(new CounterReservation({ store, blockSize: 10 }), 3), [1n, 2n, 3n]);
  // "Crash": the reservation object is gone; 4 to 10 were reserved and are skipped.
  assert.deepEqual(await take(new CounterReservation({ store, blockSize: 10 }), 2), [11n, 12n]);
});

test('no counter is ever handed out twice across random crashes and restarts (security-anchors R12)', async () => {
  await fc.assert(fc.asyncProperty(
    fc.integer({ min: 1, max: 50 }),
    fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 30 }),
    async (blockSize, runs) => {
      const store = new MemoryCounterStore();
      const seen = new Set<bigint>();
      let last = 0n;
      for (const count of runs) {
        const reservation = new CounterReservation({ store, blockSize });
        for (const counter of await take(reservation, count)) {
          assert.ok(!seen.has(counter), `counter ${counter} repeated`);
          assert.ok(counter > last, 'counters only go up');
          seen.add(counter);
          last = counter;
        }
      }
    }), { numRuns: 300 });
});

test('refuses to go past the limit with PW_ERR_COUNTER_EXHAUSTED and says once when rotation is due', async () => {
  const due: [CounterScope, bigint][] = [];
  const reservation = new CounterReservation({
    store: new MemoryCounterStore(), blockSize: 2, limit: 5n, rotateAt: 4n, onRotationDue: (s, c) => due.push([s, c]),
  });
  assert.deepEqual(await take(reservation, 5), [1n, 2n, 3n, 4n, 5n]);
  assert.deepEqual(due, [[scope, 4n]]);
  assert.throws(() => reservation.next(scope), (error) => hasCode(error, 'PW_ERR_COUNTER_EXHAUSTED'));
  assert.throws(() => reservation.next(scope), (error) => hasCode(error, 'PW_ERR_COUNTER_EXHAUSTED'));
});

test('refuses at 2^64 − 1 by default: the counter field cannot wrap', async () => {
  const store = new MemoryCounterStore();
  await store.advance(scope, 0xffff_ffff_ffff_fffen);
  const reservation = new CounterReservation({ store });
  assert.equal(await reservation.next(scope), 0xffff_ffff_ffff_ffffn);
  assert.throws(() => reservation.next(scope), (error) => hasCode(error, 'PW_ERR_COUNTER_EXHAUSTED'));
});

test('hands out nothing when the high-water mark cannot be written, and recovers when it can', async () => {
  const memory = new MemoryCounterStore();
  let failing = true;
  const store: CounterStore = {
    get: (s) => memory.get(s),
    advance: (s, value) => (failing ? Promise.reject(new StoreError('PW_ERR_COUNTER_STORE', 'disk full')) : memory.advance(s, value)),
    close: () => memory.close(),
  };
  const reservation = new CounterReservation({ store, blockSize: 3 });
  await assert.rejects(Promise.resolve(reservation.next(scope)), (error) => hasCode(error, 'PW_ERR_COUNTER_STORE'));
  failing = false;
  assert.deepEqual(await take(reservation, 2), [1n, 2n]);
});

test('concurrent callers share one reservation write and get distinct counters', async () => {
  let writes = 0;
  const memory = new MemoryCounterStore();
  const store: CounterStore = {
    get: (s) => memory.get(s),
    advance: (s, v) => { writes += 1; return memory.advance(s, v); },
    close: () => memory.close(),
  };
  const reservation = new CounterReservation({ store, blockSize: 100 });
  const counters = await Promise.all(Array.from({ length: 50 }, () => Promise.resolve(reservation.next(scope))));
  assert.equal(new Set(counters).size, 50);
  assert.equal(writes, 1);
});

test('two senders sharing a store that reserves atomically never hand out one counter twice, and stop at the limit', async () => {
  // The store decides each block (the head-end's counter table shared by its workers): max(value, from − 1) + size.
  let value = 0n;
  const store: CounterStore = {
    get: () => 0n,
    advance: () => { throw new Error('a store with reserve() is never advanced by the reservation'); },
    reserve: (_s, from, size) => { value = (value > from - 1n ? value : from - 1n) + size; return Promise.resolve(value); },
    close: () => Promise.resolve(),
  };
  const a = new CounterReservation({ store, blockSize: 4, limit: 30n });
  const b = new CounterReservation({ store, blockSize: 4, limit: 30n });
  const counters: bigint[] = [];
  for (let i = 0; i < 7; i += 1) counters.push(...await take(a, 2), ...await take(b, 2));
  assert.equal(new Set(counters).size, counters.length, `no counter twice: ${counters.join(' ')}`);
  assert.ok(counters.every((c) => c >= 1n && c <= 30n));
  await assert.rejects(async () => { for (let i = 0; i < 30; i += 1) await a.next(scope); },
    (error) => hasCode(error, 'PW_ERR_COUNTER_EXHAUSTED'));
});
