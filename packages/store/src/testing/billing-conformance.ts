// The conformance suite of the billing store port (store/billing-state.ts): both adapters run it
// (sqlite-billing-store.test.ts, postgres-billing-store.test.ts) against a real database.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode, ManualClock, parseMeterId } from '@phasewire/core';
import type { BillRecord, BillingStore } from '../billing-state.ts';

export interface BillingStoreTarget {
  /** Opens the store on database `db`, creating it on first use; the same `db` reopens the same data. */
  open(db: string, clock: ManualClock): Promise<BillingStore>;
}

const t0 = Date.UTC(2026, 0, 1);
const day = 86_400_000;
const mA = parseMeterId('meter-a');
const mB = parseMeterId('meter-b');
let databases = 0;

const bill = (id: string, status: BillRecord['status'], totalMinor = 1000): BillRecord => ({
  id, cycle: '2026-01', account: 'acc-1', servicePoint: 'sp-1', kind: 'bill', status, replaces: null, correction: null, currency: 'EUR',
  totalMinor, fingerprint: `f${totalMinor}`, document: JSON.stringify({ total: totalMinor }), createdAt: t0, issuedAt: null, issuedBy: null,
});

const refusedWith = (code: Parameters<typeof hasCode>[1]) => (error: unknown): boolean => hasCode(error, code);

export function billingConformance(name: string, target: BillingStoreTarget): void {
  const fresh = async (): Promise<{ store: BillingStore; clock: ManualClock; db: string }> => {
    const clock = new ManualClock(t0 + 40 * day);
    const db = `billing_conformance_${++databases}`;
    return { store: await target.open(db, clock), clock, db };
  };
  const test = (title: string, body: () => Promise<void>): void => { void it(title, body); };

  const model = async (store: BillingStore): Promise<void> => {
    await store.putAccount({ id: 'acc-1', name: 'Bakery', cycle: { kind: 'monthly', day: 1 } }, 'ann');
    await store.putServicePoint({ id: 'sp-1', name: 'Main St 1' }, 'ann');
    await store.putTariffVersion({ tariffId: 'tou', version: 1, effectiveFrom: '2026-01-01', effectiveTo: null, document: '{"v":1}',
      uploadedBy: 'ann', uploadedAt: t0 });
  };

  void describe(`BillingStore conformance: ${name}`, () => {
    test('keeps the accounts model, effective-dated, across a reopen', async () => {
      const { store, clock, db } = await fresh();
      await model(store);
      await store.addServicePointLink({ account: 'acc-1', servicePoint: 'sp-1', from: t0, to: null }, 'ann');
      await store.addInstallation({ servicePoint: 'sp-1', meter: mA, from: t0, to: null }, 'ann');
      // The meter exchange: A ends where B begins.
      await store.endInstallation('sp-1', mA, t0 + 10 * day, 'bob');
      await store.addInstallation({ servicePoint: 'sp-1', meter: mB, from: t0 + 10 * day, to: null }, 'bob');
      await store.addTariffAssignment({ account: 'acc-1', tariffId: 'tou', from: t0, to: null }, 'ann');
      await store.close();
      const again = await target.open(db, clock);
      assert.deepEqual(await again.accounts(), [{ id: 'acc-1', name: 'Bakery', cycle: { kind: 'monthly', day: 1 } }]);
      assert.deepEqual(await again.servicePoints(), [{ id: 'sp-1', name: 'Main St 1' }]);
      assert.deepEqual(await again.installations('sp-1'), [
        { servicePoint: 'sp-1', meter: mA, from: t0, to: t0 + 10 * day },
        { servicePoint: 'sp-1', meter: mB, from: t0 + 10 * day, to: null },
      ]);
      assert.deepEqual(await again.servicePointLinks('acc-1'), [{ account: 'acc-1', servicePoint: 'sp-1', from: t0, to: null }]);
      assert.deepEqual(await again.tariffAssignments(), [{ account: 'acc-1', tariffId: 'tou', from: t0, to: null }]);
      assert.deepEqual((await again.tariffVersions('tou')).map((v) => [v.version, v.document]), [[1, '{"v":1}']]);
      const actions = (await again.audit({ limit: 100 })).map((a) => `${a.actor} ${a.action} ${a.subject}`);
      assert.deepEqual(actions, ['ann account.put account:acc-1', 'ann service-point.put service-point:sp-1',
        'ann tariff.upload tariff:tou',
        'ann service-point.link account:acc-1', 'ann installation.add service-point:sp-1', 'bob installation.end service-point:sp-1',
        'bob installation.add service-point:sp-1', 'ann tariff.assign account:acc-1']);
      await again.close();
    });

    test('refuses overlapping installations, links and tariff assignments, and changes nothing', async () => {
      const { store } = await fresh();
      await model(store);
      await store.putServicePoint({ id: 'sp-2', name: 'Main St 2' }, 'ann');
      await store.addInstallation({ servicePoint: 'sp-1', meter: mA, from: t0, to: t0 + 10 * day }, 'ann');
      await assert.rejects(store.addInstallation({ servicePoint: 'sp-1', meter: mB, from: t0 + 9 * day, to: null }, 'ann'),
        refusedWith('PW_ERR_BILLING_OVERLAP'));
      await assert.rejects(store.addInstallation({ servicePoint: 'sp-2', meter: mA, from: t0 + 5 * day, to: null }, 'ann'),
        refusedWith('PW_ERR_BILLING_OVERLAP'));
      await store.addInstallation({ servicePoint: 'sp-2', meter: mA, from: t0 + 10 * day, to: null }, 'ann');
      await store.addServicePointLink({ account: 'acc-1', servicePoint: 'sp-1', from: t0, to: null }, 'ann');
      await assert.rejects(store.addServicePointLink({ account: 'acc-1', servicePoint: 'sp-1', from: t0 + day, to: null }, 'ann'),
        refusedWith('PW_ERR_BILLING_OVERLAP'));
      await store.addTariffAssignment({ account: 'acc-1', tariffId: 'tou', from: t0, to: null }, 'ann');
      await assert.rejects(store.addTariffAssignment({ account: 'acc-1', tariffId: 'tou', from: t0 + day, to: null }, 'ann'),
        refusedWith('PW_ERR_BILLING_OVERLAP'));
      await assert.rejects(store.addTariffAssignment({ account: 'acc-1', tariffId: 'nope', from: t0 - 9 * day, to: t0 }, 'ann'),
        refusedWith('PW_ERR_BILLING_NOT_FOUND'));
      await assert.rejects(store.addInstallation({ servicePoint: 'sp-9', meter: mB, from: t0, to: null }, 'ann'),
        refusedWith('PW_ERR_BILLING_NOT_FOUND'));
      assert.equal((await store.installations()).length, 2);
      await store.close();
    });

    test('stores a tariff version once: the same document again is a no-op, another one is refused', async () => {
      const { store } = await fresh();
      await model(store);
      await store.putTariffVersion({ tariffId: 'tou', version: 1, effectiveFrom: '2026-01-01', effectiveTo: null, document: '{"v":1}',
        uploadedBy: 'bob', uploadedAt: t0 + day });
      await assert.rejects(store.putTariffVersion({ tariffId: 'tou', version: 1, effectiveFrom: '2026-01-01', effectiveTo: null,
        document: '{"v":2}', uploadedBy: 'bob', uploadedAt: t0 + day }), refusedWith('PW_ERR_BILLING_REQUEST'));
      const versions = await store.tariffVersions();
      assert.deepEqual(versions.map((v) => [v.tariffId, v.version, v.uploadedBy]), [['tou', 1, 'ann']]);
      await store.close();
    });

    test('opens a run, resumes it with its progress, and starts a new pass once finished', async () => {
      const { store, clock } = await fresh();
      const key = { account: 'acc-1', servicePoint: 'sp-1' };
      const run = await store.openRun('2026-01', 2, 'ann');
      assert.deepEqual([run.pass, run.state, run.done, run.total], [1, 'running', 0, 2]);
      await store.commitBilling({ insert: [bill('2026-01/acc-1/sp-1/1', 'draft')], replace: [],
        item: { cycle: '2026-01', pass: 1, key, outcome: 'created' }, audit: [{ actor: 'ann', action: 'bill.create',
          subject: 'bill:2026-01/acc-1/sp-1/1', detail: '{}' }] });
      clock.advance(60_000);
      const resumed = await store.openRun('2026-01', 2, 'bob');
      assert.deepEqual([resumed.pass, resumed.done, resumed.counts.created, resumed.startedBy], [1, 1, 1, 'ann']);
      assert.deepEqual(await store.runItemsDone('2026-01', 1), [key]);
      const finished = await store.finishRun('2026-01', 1, 'bob');
      assert.equal(finished.state, 'finished');
      const next = await store.openRun('2026-01', 2, 'carl');
      assert.deepEqual([next.pass, next.done, next.state], [2, 0, 'running']);
      assert.deepEqual((await store.runs()).map((r) => r.cycle), ['2026-01']);
      await assert.rejects(store.openRun('2026-13', 1, 'ann'), refusedWith('PW_ERR_BILLING_REQUEST'));
      await store.close();
    });

    test('replaces a draft bill but refuses any change to an issued one', async () => {
      const { store } = await fresh();
      const id = '2026-01/acc-1/sp-1/1';
      await store.commitBilling({ insert: [bill(id, 'held')], replace: [], audit: [] });
      await store.commitBilling({ insert: [], replace: [bill(id, 'held', 1200)], audit: [] });
      assert.equal((await store.bill(id))?.totalMinor, 1200);
      const issued = await store.issueBill(id, 'ann');
      assert.deepEqual([issued.status, issued.issuedBy], ['issued', 'ann']);
      await assert.rejects(store.commitBilling({ insert: [], replace: [bill(id, 'draft', 1300)], audit: [] }),
        refusedWith('PW_ERR_BILLING_IMMUTABLE'));
      await assert.rejects(store.issueBill(id, 'bob'), refusedWith('PW_ERR_BILLING_IMMUTABLE'));
      await assert.rejects(store.commitBilling({ insert: [bill(id, 'draft', 1)], replace: [], audit: [] }),
        refusedWith('PW_ERR_BILLING_IMMUTABLE'));
      const stored = await store.bill(id);
      assert.deepEqual([stored?.totalMinor, stored?.status], [1200, 'issued']);
      assert.deepEqual((await store.bills({ cycle: '2026-01', limit: 10 })).map((b) => b.id), [id]);
      assert.deepEqual((await store.audit({ subject: `bill:${id}`, limit: 10 })).map((a) => `${a.actor} ${a.action}`), ['ann bill.issue']);
      await store.close();
    });

    test('commits a batch of steps in one transaction: one refused step leaves none of them', async () => {
      const { store } = await fresh();
      const key = { account: 'acc-1', servicePoint: 'sp-1' };
      await store.commitBilling({ insert: [bill('2026-01:acc-1:sp-1:001', 'issued')], replace: [], audit: [] });
      const good = { insert: [{ ...bill('2026-01:acc-2:sp-2:001', 'draft'), account: 'acc-2', servicePoint: 'sp-2' }], replace: [],
        item: { cycle: '2026-01', pass: 1, key: { account: 'acc-2', servicePoint: 'sp-2' }, outcome: 'created' as const }, audit: [] };
      const refused = { insert: [], replace: [bill('2026-01:acc-1:sp-1:001', 'draft', 1)],
        item: { cycle: '2026-01', pass: 1, key, outcome: 'rerated' as const }, audit: [] };
      await assert.rejects(store.commitBillingBatch([good, refused]), refusedWith('PW_ERR_BILLING_IMMUTABLE'));
      assert.deepEqual((await store.bills({ limit: 10 })).map((b) => b.id), ['2026-01:acc-1:sp-1:001']);
      assert.deepEqual(await store.runItemsDone('2026-01', 1), []);
      await store.commitBillingBatch([good]);
      assert.deepEqual(await store.runItemsDone('2026-01', 1), [{ account: 'acc-2', servicePoint: 'sp-2' }]);
      await store.close();
    });

    test('issues the documents of one correction together', async () => {
      const { store } = await fresh();
      const rebill = { ...bill('2026-01/acc-1/sp-1/3', 'draft', 1500), replaces: '2026-01/acc-1/sp-1/1',
        correction: '2026-01/acc-1/sp-1/3' };
      const cancel = { ...bill('2026-01/acc-1/sp-1/2', 'draft', -1000), kind: 'cancellation' as const, replaces: '2026-01/acc-1/sp-1/1',
        correction: rebill.id };
      const difference = { ...bill('2026-01/acc-1/sp-1/4', 'draft', 500), kind: 'difference' as const, replaces: '2026-01/acc-1/sp-1/1',
        correction: rebill.id };
      await store.commitBilling({ insert: [cancel, rebill, difference], replace: [], audit: [] });
      await store.issueBill(rebill.id, 'ann');
      const period = await store.periodBills('2026-01', { account: 'acc-1', servicePoint: 'sp-1' });
      assert.deepEqual(period.map((b) => [b.kind, b.status, b.totalMinor]),
        [['cancellation', 'issued', -1000], ['bill', 'issued', 1500], ['difference', 'issued', 500]]);
      await store.close();
    });
  });
}
