// Bill runs against data and accounts as bad luck makes them: a register reset, a tariff changed at
// the cycle's boundary, a stored tariff the parser no longer takes. Each test is a defect found and fixed.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, parseMeterId, Q } from '@phasewire/core';
import type { BillingStore, MeterStore } from '@phasewire/store';
import { SqliteBillingStore, SqliteMeterStore } from '@phasewire/store/node';
import { billedReads, flatTariff, january, quarter } from '../testing/billing-test-kit.ts';
import type { BillDocument } from './bill-documents.ts';
import { runBillingCycle, type BillRunDeps } from './bill-run.ts';

const dir = mkdtempSync(join(tmpdir(), 'pw-bill-run-hostile-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });
let n = 0;
const day = 86_400_000;
const m1 = parseMeterId('meter-1');

interface Setup { meters: MeterStore; billing: BillingStore; deps: BillRunDeps }

/** acc-1 at sp-1 with meter-1 installed, supplied from January on; tariffs stored but not assigned. */
async function setup(tariffs: readonly Record<string, unknown>[]): Promise<Setup> {
  const clock = new ManualClock(Date.UTC(2026, 1, 3));
  const meters = await SqliteMeterStore.open({ path: join(dir, `m${++n}.db`), clock });
  const billing = await SqliteBillingStore.open({ path: join(dir, `b${n}.db`), clock });
  for (const t of tariffs) {
    await billing.putTariffVersion({ tariffId: t['id'] as string, version: t['version'] as number,
      effectiveFrom: t['effectiveFrom'] as string, effectiveTo: null, document: JSON.stringify(t), uploadedBy: 'ann',
      uploadedAt: clock.now() });
  }
  await billing.putAccount({ id: 'acc-1', name: 'Customer 1', cycle: { kind: 'monthly', day: 1 } }, 'ann');
  await billing.putServicePoint({ id: 'sp-1', name: 'Street 1' }, 'ann');
  await billing.addServicePointLink({ account: 'acc-1', servicePoint: 'sp-1', from: january.from - 40 * day, to: null }, 'ann');
  await billing.addInstallation({ servicePoint: 'sp-1', meter: m1, from: january.from - 40 * day, to: null }, 'ann');
  return { meters, billing, deps: { billing, meters, clock } };
}

const close = async (s: Setup): Promise<void> => { await s.meters.close(); await s.billing.close(); };
const docOf = (document: string): BillDocument => JSON.parse(document) as BillDocument;

void describe('bill runs on hostile data', () => {
  void it('bills a register reset mid-month as one missing interval, not as a negative energy credited to the customer', async () => {
    const s = await setup([flatTariff()]);
    await s.billing.addTariffAssignment({ account: 'acc-1', tariffId: 'flat-berlin', from: january.from, to: null }, 'ann');
    // The import register reads 1 000 000 Wh + 250 Wh a quarter, then restarts from 0 after the 1000th interval: the interval across
    // the reset is 0 − 1 250 000 Wh.
    const reset = january.from + 1000 * quarter;
    await s.meters.appendReadings([...billedReads(m1, january.from, reset, 1_000_000), ...billedReads(m1, reset + quarter, january.to, 0)]);
    await runBillingCycle(s.deps, '2026-01', { actor: 'ann' });
    const [bill] = await s.billing.bills({ limit: 10 });
    const doc = docOf(bill?.document ?? assert.fail('no bill'));
    // 2975 intervals of 250 Wh: 743.75 kWh × 0.30 = 223.125 → 223.13 + 10.00 = 233.13 EUR (it was −141.88 EUR for −506.25 kWh).
    assert.equal(doc.bill.determinants.importKwh, '743.75');
    assert.equal(bill?.totalMinor, 23_313);
    assert.equal(doc.bill.determinants.quality.counts.missing, 1);
    await close(s);
  });

  void it('bills a month on the tariff assigned from its first local midnight, not on the one that ended there', async () => {
    const s = await setup([flatTariff(), { ...flatTariff(1, '0.50'), id: 'green' }]);
    // Green until January, flat-berlin from then: the old assignment was the first one near the period.
    await s.billing.addTariffAssignment({ account: 'acc-1', tariffId: 'green', from: january.from - 40 * day, to: january.from }, 'ann');
    await s.billing.addTariffAssignment({ account: 'acc-1', tariffId: 'flat-berlin', from: january.from, to: null }, 'ann');
    await s.meters.appendReadings(billedReads(m1, january.from, january.to, 1000));
    await runBillingCycle(s.deps, '2026-01', { actor: 'ann' });
    const [bill] = await s.billing.bills({ limit: 10 });
    // 744 kWh × 0.30 + 10.00 = 233.20 EUR on flat-berlin (green's 0.50 made it 382.00).
    assert.deepEqual([docOf(bill?.document ?? '{}').bill.tariffId, bill?.totalMinor], ['flat-berlin', 23_320]);
    await close(s);
  });

  void it('skips, with the reason, an account that changes tariff inside the period, rather than billing it all on one', async () => {
    const s = await setup([flatTariff(), { ...flatTariff(1, '0.50'), id: 'green' }]);
    const mid = january.from + 14 * day;
    await s.billing.addTariffAssignment({ account: 'acc-1', tariffId: 'green', from: january.from - 40 * day, to: mid }, 'ann');
    await s.billing.addTariffAssignment({ account: 'acc-1', tariffId: 'flat-berlin', from: mid, to: null }, 'ann');
    await s.meters.appendReadings(billedReads(m1, january.from, january.to, 1000));
    const run = await runBillingCycle(s.deps, '2026-01', { actor: 'ann' });
    assert.deepEqual([run.state, run.counts.skipped, run.counts.created], ['finished', 1, 0]);
    const [skip] = (await s.billing.audit({ subject: 'run:2026-01', limit: 10 })).filter((a) => a.action === 'bill.skip');
    assert.match(skip?.detail ?? '', /assigned tariff green and tariff flat-berlin within 2026-01-01 to 2026-02-01/u);
    await close(s);
  });

  void it('bills every other account when one account\'s stored tariff no longer parses', async () => {
    const s = await setup([flatTariff(), { ...flatTariff(), id: 'gold', currency: 'XXX' }]);
    await s.billing.addTariffAssignment({ account: 'acc-1', tariffId: 'flat-berlin', from: january.from, to: null }, 'ann');
    await s.billing.putAccount({ id: 'acc-2', name: 'Customer 2', cycle: { kind: 'monthly', day: 1 } }, 'ann');
    await s.billing.putServicePoint({ id: 'sp-2', name: 'Street 2' }, 'ann');
    await s.billing.addServicePointLink({ account: 'acc-2', servicePoint: 'sp-2', from: january.from, to: null }, 'ann');
    await s.billing.addTariffAssignment({ account: 'acc-2', tariffId: 'gold', from: january.from, to: null }, 'ann');
    await s.meters.appendReadings(billedReads(m1, january.from, january.to, 1000));
    const run = await runBillingCycle(s.deps, '2026-01', { actor: 'ann' });
    assert.deepEqual([run.state, run.counts.created, run.counts.skipped], ['finished', 1, 1]);
    const [skip] = (await s.billing.audit({ subject: 'run:2026-01', limit: 10 })).filter((a) => a.action === 'bill.skip');
    assert.match(skip?.detail ?? '', /stored tariff gold version 1: field currency is \\"XXX\\"/u);
    await close(s);
  });

  void it('bills every other meter when one register jumps by 10^13 Wh, the jump as one missing interval', async () => {
    const s = await setup([flatTariff()]);
    await s.billing.addTariffAssignment({ account: 'acc-1', tariffId: 'flat-berlin', from: january.from, to: null }, 'ann');
    // From the 11th interval on, the import register reads 10^13 Wh more: one interval of 10^16 mWh, beyond an exact sum.
    const jump = january.from + 10 * quarter;
    await s.meters.appendReadings(billedReads(m1, january.from, january.to, 1000)
      .map((r) => (r.at > jump && r.quantity === Q.activeEnergyImport ? { ...r, value: r.value + 1e13 } : r)));
    const run = await runBillingCycle(s.deps, '2026-01', { actor: 'ann' });
    assert.deepEqual([run.state, run.counts.created], ['finished', 1]);
    const [bill] = await s.billing.bills({ limit: 10 });
    // 2975 intervals of 250 Wh: 743.75 kWh × 0.30 = 223.125 → 223.13 + 10.00 = 233.13 EUR.
    assert.deepEqual([docOf(bill?.document ?? '{}').bill.determinants.quality.counts.missing, bill?.totalMinor], [1, 23_313]);
    await close(s);
  });

  void it('bills every other account when one account\'s amount is beyond a safe integer of minor units, skipping it', async () => {
    const s = await setup([flatTariff(), { ...flatTariff(1, '9'.repeat(32)), id: 'absurd' }]);
    await s.billing.addTariffAssignment({ account: 'acc-1', tariffId: 'flat-berlin', from: january.from, to: null }, 'ann');
    const m2 = parseMeterId('meter-2');
    await s.billing.putAccount({ id: 'acc-2', name: 'Customer 2', cycle: { kind: 'monthly', day: 1 } }, 'ann');
    await s.billing.putServicePoint({ id: 'sp-2', name: 'Street 2' }, 'ann');
    await s.billing.addServicePointLink({ account: 'acc-2', servicePoint: 'sp-2', from: january.from, to: null }, 'ann');
    await s.billing.addInstallation({ servicePoint: 'sp-2', meter: m2, from: january.from, to: null }, 'ann');
    await s.billing.addTariffAssignment({ account: 'acc-2', tariffId: 'absurd', from: january.from, to: null }, 'ann');
    await s.meters.appendReadings([...billedReads(m1, january.from, january.to, 1000), ...billedReads(m2, january.from, january.to, 1000)]);
    // 744 kWh at 10^32 EUR a kWh: an amount no safe integer of cents holds, which stopped the run with acc-1 unbilled.
    const run = await runBillingCycle(s.deps, '2026-01', { actor: 'ann' });
    assert.deepEqual([run.state, run.counts.created, run.counts.skipped], ['finished', 1, 1]);
    assert.deepEqual((await s.billing.bills({ limit: 10 })).map((b) => b.account), ['acc-1']);
    const [skip] = (await s.billing.audit({ subject: 'run:2026-01', limit: 10 })).filter((a) => a.action === 'bill.skip');
    assert.match(skip?.detail ?? '', /"account":"acc-2".*Cannot hold an amount of \d+ minor units/u);
    await close(s);
  });
});
