import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode, ManualClock, parseMeterId, Q } from '@phasewire/core';
import type { BillingStore, MeterStore } from '@phasewire/store';
import { SqliteBillingStore, SqliteMeterStore } from '@phasewire/store/node';
import { billedReads, flatTariff, january, quarter } from '../testing/billing-test-kit.ts';
import { correction, type BillDocument } from './bill-documents.ts';
import { rebillPeriod, runBillingCycle, type BillRunDeps } from './bill-run.ts';

const dir = mkdtempSync(join(tmpdir(), 'pw-bill-run-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });
let n = 0;

const mA = parseMeterId('meter-a');
const mB = parseMeterId('meter-b');
/** 2026-01-15 00:00 Europe/Berlin: the exchange. */
const exchange = Date.UTC(2026, 0, 14, 23);

interface Setup { meters: MeterStore; billing: BillingStore; clock: ManualClock; deps: BillRunDeps }

async function setup(accounts = 1): Promise<Setup> {
  const clock = new ManualClock(Date.UTC(2026, 1, 3));
  const meters = await SqliteMeterStore.open({ path: join(dir, `m${++n}.db`), clock });
  const billing = await SqliteBillingStore.open({ path: join(dir, `b${n}.db`), clock });
  const tariff = flatTariff();
  await billing.putTariffVersion({ tariffId: 'flat-berlin', version: 1, effectiveFrom: '2026-01-01', effectiveTo: null,
    document: JSON.stringify(tariff), uploadedBy: 'ann', uploadedAt: clock.now() });
  for (let k = 1; k <= accounts; k++) {
    await billing.putAccount({ id: `acc-${k}`, name: `Customer ${k}`, cycle: { kind: 'monthly', day: 1 } }, 'ann');
    await billing.putServicePoint({ id: `sp-${k}`, name: `Street ${k}` }, 'ann');
    await billing.addServicePointLink({ account: `acc-${k}`, servicePoint: `sp-${k}`, from: january.from, to: null }, 'ann');
    await billing.addTariffAssignment({ account: `acc-${k}`, tariffId: 'flat-berlin', from: january.from, to: null }, 'ann');
  }
  return { meters, billing, clock, deps: { billing, meters, clock } };
}

const close = async (s: Setup): Promise<void> => { await s.meters.close(); await s.billing.close(); };
const docOf = (document: string): BillDocument => JSON.parse(document) as BillDocument;

void describe('bill runs', () => {
  void it('bills a meter exchanged mid-period as one service point: meter A before the exchange, meter B after', async () => {
    const s = await setup();
    await s.billing.addInstallation({ servicePoint: 'sp-1', meter: mA, from: january.from, to: exchange }, 'ann');
    await s.billing.addInstallation({ servicePoint: 'sp-1', meter: mB, from: exchange, to: null }, 'ann');
    // Meter A at 1 kW until the exchange; then it goes on reporting at 2 kW (on the test bench): none of that may be billed.
    const beforeExchange = billedReads(mA, january.from, exchange, 50_000, 250);
    const atExchange = 50_000 + ((exchange - january.from) / quarter) * 250;
    const onTheBench = billedReads(mA, exchange, january.to, atExchange, 500).filter((r) => r.at > exchange);
    await s.meters.appendReadings([...beforeExchange, ...onTheBench]);
    await s.meters.appendReadings(billedReads(mB, exchange, january.to, 0, 250));
    const run = await runBillingCycle(s.deps, '2026-01', { actor: 'ann' });
    assert.deepEqual([run.state, run.total, run.done, run.counts.created], ['finished', 1, 1, 1]);
    const bill = (await s.billing.bills({ cycle: '2026-01', limit: 10 }))[0] ?? assert.fail('no bill');
    const doc = docOf(bill.document);
    assert.deepEqual(doc.meters.map((m) => m.meter), [mA, mB]);
    // 2976 intervals of 250 Wh whichever meter measured them: 744 kWh × 0.30 + 10.00 = 233.20 EUR.
    assert.equal(doc.bill.determinants.importKwh, '744');
    assert.equal(bill.totalMinor, 23_320);
    assert.equal(doc.bill.determinants.quality.completeness, 1);
    assert.equal(bill.status, 'issued');
    await close(s);
  });
});

void describe('bill run corrections', () => {
  void it('runs a cycle again without creating anything when nothing changed', async () => {
    const s = await setup();
    await s.billing.addInstallation({ servicePoint: 'sp-1', meter: mA, from: january.from, to: null }, 'ann');
    await s.meters.appendReadings(billedReads(mA, january.from, january.to, 1000));
    await runBillingCycle(s.deps, '2026-01', { actor: 'ann' });
    const before = await s.billing.bills({ limit: 10 });
    const audit = (await s.billing.audit({ limit: 1000 })).filter((a) => a.action.startsWith('bill.')).length;
    const again = await runBillingCycle(s.deps, '2026-01', { actor: 'bob' });
    assert.deepEqual([again.pass, again.counts.unchanged, again.counts.created, again.counts.corrected], [2, 1, 0, 0]);
    assert.deepEqual(await s.billing.bills({ limit: 10 }), before);
    assert.equal((await s.billing.audit({ limit: 1000 })).filter((a) => a.action.startsWith('bill.')).length, audit);
    // Rebilling unchanged data on demand: no document, nothing to correct.
    assert.deepEqual(await rebillPeriod(s.deps, '2026-01', { account: 'acc-1', servicePoint: 'sp-1' }, { actor: 'bob' }),
      { outcome: 'unchanged', documents: [] });
    await close(s);
  });

  void it('corrects an issued bill after a late edit: cancellation, rebill and the difference, the original untouched', async () => {
    const s = await setup();
    await s.billing.addInstallation({ servicePoint: 'sp-1', meter: mA, from: january.from, to: null }, 'ann');
    await s.meters.appendReadings(billedReads(mA, january.from, january.to, 1000));
    await runBillingCycle(s.deps, '2026-01', { actor: 'ann' });
    const [original] = await s.billing.bills({ limit: 10 });
    // 744 kWh × 0.30 + 10.00 = 233.20 EUR.
    assert.deepEqual([original?.totalMinor, original?.status], [23_320, 'issued']);
    // An edit after issue: one interval 250 → 1250 Wh, so +1 kWh × 0.30 = +0.30 EUR.
    await s.meters.writeIntervals([{ meter: mA, quantity: Q.activeEnergyImport, end: january.from + 10 * quarter, stage: 'final',
      value: 1250, quality: 'edited' }], { kind: 'person', person: 'ed', reason: 'meter test showed the register lagging' });
    const run = await runBillingCycle(s.deps, '2026-01', { actor: 'bob' });
    assert.equal(run.counts.corrected, 1);
    const period = await s.billing.periodBills('2026-01', { account: 'acc-1', servicePoint: 'sp-1' });
    assert.deepEqual(period.map((b) => [b.kind, b.status, b.totalMinor, b.replaces]), [
      ['bill', 'issued', 23_320, null],
      ['cancellation', 'issued', -23_320, original?.id],
      ['bill', 'issued', 23_350, original?.id],
      ['difference', 'issued', 30, original?.id],
    ]);
    assert.deepEqual(period[0], original);
    const difference = docOf(period[3]?.document ?? '{}');
    assert.equal(difference.bill.lines.reduce((sum, l) => sum + l.amount.minor, 0), 30);
    // Running again after the correction changes nothing more.
    assert.equal((await runBillingCycle(s.deps, '2026-01', { actor: 'bob' })).counts.unchanged, 1);
    await close(s);
  });

  void it('gives a zero difference when an issued bill is corrected with the same data', async () => {
    const s = await setup();
    await s.billing.addInstallation({ servicePoint: 'sp-1', meter: mA, from: january.from, to: null }, 'ann');
    await s.meters.appendReadings(billedReads(mA, january.from, january.to, 1000));
    await runBillingCycle(s.deps, '2026-01', { actor: 'ann' });
    const [original] = await s.billing.bills({ limit: 10 });
    const doc = docOf(original?.document ?? '{}');
    const documents = correction({ cycle: '2026-01', account: 'acc-1', servicePoint: 'sp-1' }, 2, original ?? assert.fail(), doc, 0, 'x');
    const difference = documents[2] ?? assert.fail('no difference');
    assert.equal(difference.totalMinor, 0);
    assert.equal(docOf(difference.document).bill.lines.reduce((sum, l) => sum + l.amount.minor, 0), 0);
    await close(s);
  });

  void it('holds a bill below the completeness limit; issuing it makes it immutable', async () => {
    const s = await setup();
    await s.billing.addInstallation({ servicePoint: 'sp-1', meter: mA, from: january.from, to: null }, 'ann');
    // The last five days are missing: completeness 26/31.
    await s.meters.appendReadings(billedReads(mA, january.from, january.to - 5 * 86_400_000, 1000));
    const run = await runBillingCycle(s.deps, '2026-01', { actor: 'ann', completenessLimit: 0.95 });
    assert.equal(run.counts.held, 1);
    const held = (await s.billing.bills({ limit: 10 }))[0] ?? assert.fail('no bill');
    assert.equal(held.status, 'held');
    const issued = await s.billing.issueBill(held.id, 'carol');
    assert.deepEqual([issued.status, issued.issuedBy], ['issued', 'carol']);
    await assert.rejects(s.billing.commitBilling({ insert: [], replace: [{ ...issued, totalMinor: 1 }], audit: [] }),
      (error: unknown) => hasCode(error, 'PW_ERR_BILLING_IMMUTABLE'));
    assert.equal((await s.billing.bill(issued.id))?.totalMinor, held.totalMinor);
    await close(s);
  });

  void it('resumes a run killed part way without billing anything twice, with its progress', async () => {
    const s = await setup(3);
    for (const k of [1, 2, 3]) {
      const meter = parseMeterId(`meter-${k}`);
      await s.billing.addInstallation({ servicePoint: `sp-${k}`, meter, from: january.from, to: null }, 'ann');
      await s.meters.appendReadings(billedReads(meter, january.from, january.to, 1000 * k));
    }
    const kill = new Error('killed');
    await assert.rejects(runBillingCycle(s.deps, '2026-01', { actor: 'ann', batchSize: 2,
      onProgress: (done) => { if (done === 2) throw kill; } }), kill);
    const interrupted = await s.billing.run('2026-01');
    assert.deepEqual([interrupted?.state, interrupted?.done, interrupted?.total], ['running', 2, 3]);
    const seen: number[] = [];
    const resumed = await runBillingCycle(s.deps, '2026-01', { actor: 'bob', onProgress: (done) => { seen.push(done); } });
    assert.deepEqual(seen, [3]);
    assert.deepEqual([resumed.pass, resumed.state, resumed.done, resumed.counts.created], [1, 'finished', 3, 3]);
    assert.deepEqual((await s.billing.bills({ limit: 10 })).map((b) => b.id),
      ['2026-01:acc-1:sp-1:001', '2026-01:acc-2:sp-2:001', '2026-01:acc-3:sp-3:001']);
    const actions = (await s.billing.audit({ subject: 'run:2026-01', limit: 10 })).map((a) => `${a.actor} ${a.action}`);
    assert.deepEqual(actions, ['ann run.start', 'bob run.resume', 'bob run.finish']);
    await close(s);
  });
});
