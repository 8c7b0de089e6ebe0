// The conformance suite of the head-end's counter port (counter-table.ts): both adapters run it
// (sqlite-counter-table.test.ts, postgres-counter-table.test.ts) against a real database, with two
// tables opened on the same database racing as two ingest workers would.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { counterScope } from '@phasewire/secure';
import type { CounterScope, DeviceId } from '@phasewire/secure';
import type { CounterEntry, CounterTable } from '../counter-table.ts';

export interface CounterTableTarget {
  /** Opens a table on database `db`, creating it on first use; the same `db` opens the same data (another connection or pool). */
  open(db: string): Promise<CounterTable>;
}

const uplink = (device: string, keyId = 1): CounterScope => counterScope(device as DeviceId, 'uplink', keyId);
const downlink = (device: string): CounterScope => counterScope(device as DeviceId, 'downlink', 1);
const max64 = (1n << 64n) - 1n;
let databases = 0;

export function counterTableConformance(name: string, target: CounterTableTarget): void {
  const fresh = (): string => `counter_conformance_${++databases}`;
  const using = async (db: string, body: (table: CounterTable) => Promise<void>): Promise<void> => {
    const table = await target.open(db);
    try {
      await body(table);
    } finally {
      await table.close();
    }
  };

  void describe(`CounterTable conformance: ${name}`, () => {
    void it('reads 0 for a scope never stored, and what a claim stored after a reopen, all 64 bits', async () => {
      const db = fresh();
      await using(db, async (table) => {
        assert.deepEqual(await table.read([uplink('m-001')]), new Map([[uplink('m-001'), 0n]]));
        assert.deepEqual(await table.claim([{ scope: uplink('m-001'), counter: max64 }, { scope: uplink('m-002'), counter: 5n }]),
          [{ scope: uplink('m-001'), counter: max64 }, { scope: uplink('m-002'), counter: 5n }]);
      });
      await using(db, async (table) => {
        assert.deepEqual(await table.read([uplink('m-001'), uplink('m-002'), uplink('m-002', 2)]),
          new Map([[uplink('m-001'), max64], [uplink('m-002'), 5n], [uplink('m-002', 2), 0n]]));
      });
    });

    void it('claims only counters above the stored value, in ascending order per scope, and never lowers it', async () => {
      await using(fresh(), async (table) => {
        const s = uplink('m-010');
        assert.equal((await table.claim([{ scope: s, counter: 10n }])).length, 1);
        // 12 and 11 are new (ascending they both rise); 10 again, 9 and a second 12 are not.
        const won = await table.claim([{ scope: s, counter: 12n }, { scope: s, counter: 9n }, { scope: s, counter: 11n },
          { scope: s, counter: 10n }, { scope: s, counter: 12n }]);
        assert.deepEqual(won, [{ scope: s, counter: 11n }, { scope: s, counter: 12n }]);
        assert.deepEqual(await table.claim([{ scope: s, counter: 3n }]), []);
        assert.equal((await table.read([s])).get(s), 12n);
        assert.deepEqual(await table.claim([]), []);
      });
    });

    void it('reserves blocks after the stored value or after the caller\'s own next counter, whichever is higher', async () => {
      await using(fresh(), async (table) => {
        const s = downlink('m-020');
        assert.deepEqual(await table.reserve([{ scope: s, from: 1n, size: 1024n }]), [1024n]);
        assert.deepEqual(await table.reserve([{ scope: s, from: 1n, size: 1024n }]), [2048n], 'a stale next counter gets the next block');
        assert.deepEqual(await table.reserve([{ scope: s, from: 5001n, size: 10n }, { scope: downlink('m-021'), from: 1n, size: 0n }]),
          [5010n, 0n]);
        assert.equal((await table.read([s])).get(s), 5010n);
      });
    });

    void it('gives each counter of one device to exactly one of two tables claiming it at once', async () => {
      const db = fresh();
      const [a, b] = await Promise.all([target.open(db), target.open(db)]);
      try {
        const s = uplink('m-030');
        const wins = new Map<bigint, number>();
        const count = (won: readonly CounterEntry[]): void => { for (const e of won) wins.set(e.counter, (wins.get(e.counter) ?? 0) + 1); };
        // One counter at a time, each claimed by both at once (a message delivered to two workers).
        for (let counter = 1n; counter <= 100n; counter++) {
          const [wonA, wonB] = await Promise.all([a.claim([{ scope: s, counter }]), b.claim([{ scope: s, counter }])]);
          count(wonA);
          count(wonB);
        }
        // Groups of ten, overlapping, each claimed by both at once.
        for (let first = 101n; first <= 200n; first += 5n) {
          const group = Array.from({ length: 10 }, (_, i) => ({ scope: s, counter: first + BigInt(i) }));
          const [wonA, wonB] = await Promise.all([a.claim(group), b.claim(group.toReversed())]);
          count(wonA);
          count(wonB);
        }
        const last = 205n; // the last group is 196..205
        assert.equal(wins.size, Number(last), 'every counter was accepted');
        assert.deepEqual([...wins.values()].filter((n) => n !== 1), [], 'no counter was accepted twice');
        assert.equal((await a.read([s])).get(s), last);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    void it('claims many devices from two tables in opposite orders without a deadlock, each counter once', async () => {
      const db = fresh();
      const [a, b] = await Promise.all([target.open(db), target.open(db)]);
      try {
        const entries = Array.from({ length: 40 }, (_, i) => ({ scope: uplink(`m-${String(100 + i)}`), counter: 7n }));
        const rounds = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b)
          .claim(i % 2 === 0 ? entries : entries.toReversed())));
        assert.equal(rounds.reduce((n, won) => n + won.length, 0), entries.length);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    void it('never reserves one counter twice for two tables reserving at once', async () => {
      const db = fresh();
      const [a, b] = await Promise.all([target.open(db), target.open(db)]);
      try {
        const s = downlink('m-040');
        const blocks = (await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).reserve([{ scope: s, from: 1n,
          size: 100n }])))).map(([last]) => last ?? 0n);
        const expected = Array.from({ length: 20 }, (_, i) => BigInt(100 * (i + 1)));
        assert.deepEqual(blocks.toSorted((x, y) => (x < y ? -1 : x > y ? 1 : 0)), expected);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  });
}
