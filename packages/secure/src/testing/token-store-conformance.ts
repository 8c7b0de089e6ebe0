// The conformance suite of the enrollment-token port (enroll/enrollment-token.ts, TokenStore): the
// file store (token-file-store.test.ts) and the head-end's PostgreSQL store
// (headend postgres-token-store.test.ts) run it, with two stores opened on the same data consuming
// one token at once, as two enrollment listeners would: exactly one wins.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '@phasewire/core';
import { deviceIdentity } from '../pki/device-identity.ts';
import type { TokenRecord, TokenStore } from '../enroll/enrollment-token.ts';

export interface TokenStoreTarget {
  /** Opens a store on data set `name`, made on first use; the same name opens the same tokens (another handle, file or pool). */
  open(name: string): Promise<TokenStore & { close?(): Promise<void> }>;
}

const t0 = Date.UTC(2026, 0, 1);
let sets = 0;

const record = (id: string, device = deviceIdentity('meter', 'meter-0001')): TokenRecord =>
  ({ id, device, createdAt: t0, expiresAt: t0 + 86_400_000, secretHash: 'a'.repeat(64) });

export function tokenStoreConformance(name: string, target: TokenStoreTarget): void {
  const fresh = (): string => `token_conformance_${++sets}`;
  const using = async (set: string, body: (store: TokenStore) => Promise<void>): Promise<void> => {
    const store = await target.open(set);
    try {
      await body(store);
    } finally {
      await store.close?.();
    }
  };

  void describe(`TokenStore conformance: ${name}`, () => {
    void it('keeps what it was given, gateways too, and finds nothing for an unknown id', async () => {
      const set = fresh();
      await using(set, async (store) => {
        await store.add(record('0000000000000001'));
        await store.add(record('0000000000000002', deviceIdentity('gateway', 'gw-0001')));
        assert.equal(await store.get('00000000000000ff'), undefined);
      });
      await using(set, async (store) => {
        assert.deepEqual(await store.get('0000000000000002'), record('0000000000000002', deviceIdentity('gateway', 'gw-0001')));
        assert.deepEqual((await store.list()).map((r) => r.id).sort(), ['0000000000000001', '0000000000000002']);
      });
    });

    void it('refuses a second token with an id it has', async () => {
      await using(fresh(), async (store) => {
        await store.add(record('0000000000000003'));
        await assert.rejects(store.add(record('0000000000000003')), (error) => hasCode(error, 'PW_ERR_ENROLL_TOKEN_STORE'));
      });
    });

    void it('consumes a token once, and records the serial it enrolled', async () => {
      await using(fresh(), async (store) => {
        await store.add(record('0000000000000004'));
        assert.equal(await store.consume('0000000000000004', t0 + 5), true);
        assert.equal(await store.consume('0000000000000004', t0 + 6), false);
        assert.equal(await store.consume('00000000000000fe', t0 + 6), false, 'an unknown token is not consumed');
        await store.recordSerial('0000000000000004', '0a1b');
        assert.deepEqual(await store.get('0000000000000004'), { ...record('0000000000000004'), usedAt: t0 + 5, usedFor: '0a1b' });
      });
    });

    void it('gives a token to exactly one of two stores consuming it at once', async () => {
      const set = fresh();
      const [a, b] = await Promise.all([target.open(set), target.open(set)]);
      try {
        const ids = Array.from({ length: 10 }, (_, i) => `00000000000001${String(i).padStart(2, '0')}`);
        for (const id of ids) await a.add(record(id));
        for (const id of ids) {
          const won = await Promise.all([a.consume(id, t0 + 1), b.consume(id, t0 + 2)]);
          assert.equal(won.filter(Boolean).length, 1, `token ${id} consumed once`);
        }
      } finally {
        await Promise.all([a.close?.(), b.close?.()]);
      }
    });
  });
}
