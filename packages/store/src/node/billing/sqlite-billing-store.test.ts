import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { billingConformance } from '../../testing/billing-conformance.ts';
import { SqliteBillingStore } from './sqlite-billing-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'pw-billing-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });

billingConformance('SQLite', { open: (db, clock) => SqliteBillingStore.open({ path: join(dir, `${db}.db`), clock }) });

void it('refuses an update of an issued bill in the database itself, whoever writes it', async () => {
  const path = join(dir, 'trigger.db');
  const store = await SqliteBillingStore.open({ path });
  await store.commitBilling({ insert: [{ id: 'b1', cycle: '2026-01', account: 'a', servicePoint: 's', kind: 'bill', status: 'draft',
    replaces: null, correction: null, currency: 'EUR', totalMinor: 1, fingerprint: 'f', document: '{}', createdAt: 0, issuedAt: null,
    issuedBy: null }], replace: [], audit: [] });
  await store.issueBill('b1', 'ann');
  await store.close();
  const db = new DatabaseSync(path);
  assert.throws(() => { db.exec("UPDATE bill SET total_minor = 2 WHERE id = 'b1'"); }, /issued bill is immutable/);
  assert.throws(() => { db.exec("DELETE FROM bill WHERE id = 'b1'"); }, /issued bill is immutable/);
  db.close();
});
