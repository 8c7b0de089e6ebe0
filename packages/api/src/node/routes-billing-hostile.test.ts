// The billing routes against hostile or unlucky requests: an exchange that cannot complete, a tariff
// body that is huge, deep or a changed copy of a stored version, a clerk of another tenant.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- answers are parsed JSON,
   read field by field against the contract */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { flatTariff } from '@phasewire/mdm/testing';
import { SqliteBillingStore } from '@phasewire/store/node';
import { startApiRig, type ApiRig } from '../testing/api-test-kit.ts';

const dir = mkdtempSync(join(tmpdir(), 'pw-api-billing-hostile-'));
let rig: ApiRig;
let clerk: { cookie: string; csrf: string };

before(async () => {
  const store = await SqliteBillingStore.open({ path: join(dir, 'billing.db') });
  rig = await startApiRig({ billing: { store, completenessLimit: 0.98 } });
  await rig.addUser('clerk', 'billing');
  clerk = await rig.login('clerk');
});
after(async () => { await rig.close(); rmSync(dir, { recursive: true, force: true }); });

const call = (method: string, path: string, body?: unknown) =>
  rig.call(method, `/api/v1/billing${path}`, { session: clerk, ...(body === undefined ? {} : { body }) });

void describe('billing API, hostile requests', () => {
  void it('refuses an exchange whose new meter is installed elsewhere without ending the old meter\'s installation', async () => {
    for (const sp of ['sp-x1', 'sp-x2']) assert.equal((await call('PUT', `/service-points/${sp}`, { name: sp })).status, 204);
    assert.equal((await call('POST', '/service-points/sp-x1/installations', { meter: 'm-a1', from: '2026-01-01T00:00:00Z' })).status, 204);
    assert.equal((await call('POST', '/service-points/sp-x2/installations', { meter: 'm-a2', from: '2026-01-01T00:00:00Z' })).status, 204);
    const answer = await call('POST', '/service-points/sp-x1/exchange', { removed: 'm-a1', installed: 'm-a2', at: '2026-02-01T00:00:00Z' });
    assert.equal(answer.status, 409, answer.text);
    assert.equal(answer.json.error.code, 'PW_ERR_BILLING_OVERLAP');
    const points = (await call('GET', '/service-points')).json.items as { id: string; installations: unknown[] }[];
    assert.deepEqual(points.find((p) => p.id === 'sp-x1')?.installations, [{ meter: 'm-a1', from: '2026-01-01T00:00:00.000Z', to: null }],
      'the old meter is still installed');
  });

  void it('answers a tariff body that is deep, huge, or a changed copy of a stored version without a 500', async () => {
    // Written as text: JSON.stringify itself overflows the stack on it.
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    const rawBody = JSON.stringify({ ...flatTariff(), components: 0 }).replace('"components":0', `"components":${deep}`);
    const nested = await rig.call('POST', '/api/v1/billing/tariffs', { session: clerk, rawBody });
    assert.deepEqual([nested.status, nested.json.error.code], [400, 'PW_ERR_TARIFF_INVALID']);
    const huge = await call('POST', '/tariffs', { ...flatTariff(), name: 'x'.repeat(10_000_000) });
    assert.equal(huge.status, 413, huge.text.slice(0, 200));
    assert.equal((await call('POST', '/tariffs', { ...flatTariff(), id: 'hostile' })).status, 201);
    assert.equal((await call('POST', '/tariffs', { ...flatTariff(), id: 'hostile' })).status, 201, 'an upload retried');
    const changed = await call('POST', '/tariffs', { ...flatTariff(2), id: 'hostile', version: 1, name: 'Changed' });
    assert.equal(changed.status, 400, changed.text);
    const versions = (await call('GET', '/tariffs/hostile')).json.items as { document: { name: string } }[];
    assert.deepEqual(versions.map((v) => v.document.name), ['Flat (Berlin)'], 'the stored version is untouched');
  });

  void it('shows a bill, its exports and running charges only to the tenant whose meter it bills', async () => {
    assert.equal((await call('POST', '/tariffs', flatTariff())).status, 201);
    assert.equal((await call('PUT', '/accounts/acc-t', { name: 'Tenant default customer', cycleDay: 1 })).status, 204);
    // sp-x1 has meter m-a1 (tenant default) from the first test.
    const link = { servicePoint: 'sp-x1', from: '2025-12-31T23:00:00Z' };
    assert.equal((await call('POST', '/accounts/acc-t/service-points', link)).status, 204);
    assert.equal((await call('POST', '/accounts/acc-t/tariffs', { tariffId: 'flat-berlin', from: '2025-12-31T23:00:00Z' })).status, 204);
    let run = (await call('POST', '/runs', { cycle: '2026-01' })).json;
    while (run.state !== 'finished') run = (await call('GET', '/runs/2026-01')).json;
    const id = encodeURIComponent((await call('GET', '/bills?cycle=2026-01')).json.items[0].id as string);
    const other = await rig.login('beta-admin');
    const asOther = (path: string) => rig.call('GET', `/api/v1/billing${path}`, { session: other });
    const paths = [`/bills/${id}`, `/bills/${id}/bill.pdf`, `/bills/${id}/greenbutton.xml`, `/bills/${id}/intervals?determinant=p0.import`];
    for (const path of [...paths, '/accounts/acc-t/running']) {
      const answer = await asOther(path);
      assert.equal(answer.status, 404, `${path}: ${answer.text.slice(0, 200)}`);
    }
    assert.deepEqual((await asOther('/bills?cycle=2026-01')).json.items, []);
    assert.equal((await asOther('/bills.csv?cycle=2026-01')).text.split('\r\n').length, 2, 'the header alone');
    assert.equal((await call('GET', `/bills/${id}/bill.pdf`)).status, 200, 'the tenant itself still reads it');
  });
});
