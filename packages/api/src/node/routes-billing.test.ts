// The billing routes end to end on a real API server with a SQLite billing store: a billing clerk
// uploads a tariff (a bad one is answered 400 with the field), sets up an account, a service point
// and its meter, runs a cycle, follows it, reads the held bill with the intervals behind a charge,
// issues it, and finds it immutable. And the billing access table walked for every role.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-argument,
   @typescript-eslint/no-unsafe-call -- answers are parsed JSON, read field by field against the contract */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { flatTariff } from '@phasewire/mdm/testing';
import { SqliteBillingStore } from '@phasewire/store/node';
import { billingRouteRules, roleAtLeast } from '../access.ts';
import type { Role } from '../dto.ts';
import { startApiRig, type ApiRig } from '../testing/api-test-kit.ts';

const dir = mkdtempSync(join(tmpdir(), 'pw-api-billing-'));
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

void describe('billing API', () => {
  void it('answers a tariff that fails validation with 400 and the field', async () => {
    const bad = { ...flatTariff(), components: [{ kind: 'energy-flat', id: 'energy', description: 'Energy', rate: '0,30' }] };
    const answer = await call('POST', '/tariffs', bad);
    assert.equal(answer.status, 400, answer.text);
    assert.equal(answer.json.error.code, 'PW_ERR_TARIFF_INVALID');
    assert.equal(answer.json.error.field, '/body/components/0/rate');
  });

  void it('sets up an account, runs a cycle, holds an incomplete bill, shows the intervals behind a charge, issues it once', async () => {
    assert.equal((await call('POST', '/tariffs', flatTariff())).status, 201);
    assert.equal((await call('PUT', '/accounts/acc-1', { name: 'Bakery', cycleDay: 1 })).status, 204);
    assert.equal((await call('PUT', '/service-points/sp-1', { name: 'Main St 1' })).status, 204);
    assert.equal((await call('POST', '/service-points/sp-1/installations', { meter: 'm-a1', from: '2025-12-31T23:00:00Z' })).status, 204);
    assert.equal((await call('POST', '/service-points/sp-1/installations', { meter: 'm-b1', from: '2025-12-31T23:00:00Z' })).status, 404);
    const link = { servicePoint: 'sp-1', from: '2025-12-31T23:00:00Z' };
    assert.equal((await call('POST', '/accounts/acc-1/service-points', link)).status, 204);
    assert.equal((await call('POST', '/accounts/acc-1/tariffs', { tariffId: 'flat-berlin', from: '2025-12-31T23:00:00Z' })).status, 204);
    const overlap = await call('POST', '/accounts/acc-1/tariffs', { tariffId: 'flat-berlin', from: '2026-01-10T00:00:00Z' });
    assert.deepEqual([overlap.status, overlap.json.error.code], [409, 'PW_ERR_BILLING_OVERLAP']);
    const started = await call('POST', '/runs', { cycle: '2026-01' });
    assert.equal(started.status, 202, started.text);
    assert.equal(started.json.total, 1);
    let run = started.json;
    while (run.state !== 'finished') run = (await call('GET', '/runs/2026-01')).json;
    assert.deepEqual([run.done, run.counts.held], [1, 1]);
    const list = await call('GET', '/bills?cycle=2026-01');
    assert.equal(list.json.items.length, 1);
    const summary = list.json.items[0];
    assert.equal(summary.status, 'held');
    assert.match(summary.hold, /completeness .* is below the limit 0.98/);
    const bill = (await call('GET', `/bills/${summary.id}`)).json;
    assert.deepEqual(bill.meters.map((m: { meter: string }) => m.meter), ['m-a1']);
    const energy = bill.lines.find((l: { componentId: string }) => l.componentId === 'energy');
    // The rig's meter m-a1 holds 40 intervals of 250 Wh on 2026-01-15: 10 kWh × 0.30 = 3.00 EUR.
    assert.deepEqual([energy.quantity, energy.amount.minor], ['10', 300]);
    const behind = (await call('GET', `/bills/${summary.id}/intervals?determinant=${energy.determinant}`)).json;
    const measured = behind.points.filter((p: { importWh: number | null }) => p.importWh !== null);
    assert.equal(measured.length, 40);
    assert.equal(measured.every((p: { importWh: number; meter: string }) => p.importWh === 250 && p.meter === 'm-a1'), true);
    assert.equal((await call('GET', `/bills/${summary.id}/intervals?determinant=p9.nothing`)).status, 400);
    const issued = await call('POST', `/bills/${summary.id}/issue`);
    assert.equal(issued.status, 200, issued.text);
    assert.equal(issued.json.documents[0].issuedBy, 'user:clerk');
    assert.equal((await call('POST', `/bills/${summary.id}/issue`)).status, 409);
    const rebill = await call('POST', `/bills/${summary.id}/rebill`);
    assert.deepEqual([rebill.status, rebill.json.outcome, rebill.json.documents], [200, 'unchanged', []]);
    const audit = (await call('GET', '/audit?limit=100')).json.items
      .map((a: { actor: string; action: string }) => `${a.actor} ${a.action}`);
    assert.deepEqual(audit.filter((a: string) => a.includes('bill.') || a.includes('run.')),
      ['user:clerk run.start', 'user:clerk bill.create', 'user:clerk run.finish', 'user:clerk bill.issue']);
    const openapi = await rig.call('GET', '/openapi.json');
    assert.equal(Object.keys(openapi.json.paths).includes('/api/v1/billing/bills/{id}/intervals'), true);
  });

  void it('rates the open period so far as an estimate, up to the latest reading, and stores nothing', async () => {
    const before = (await call('GET', '/bills')).json.items.length;
    const answer = await call('GET', '/accounts/acc-1/running');
    assert.equal(answer.status, 200, answer.text);
    const running = answer.json;
    assert.equal(running.estimate, true);
    assert.match(running.note, /estimate of the open period .* not issued, not stored/);
    assert.deepEqual([running.cycle, running.tariffId, running.soFar.start], ['2026-01', 'flat-berlin', '2026-01-01']);
    const energy = running.servicePoints[0].lines.find((l: { componentId: string }) => l.componentId === 'energy');
    // The same 40 intervals of 250 Wh as the bill: 10 kWh × 0.30.
    assert.deepEqual([energy.quantity, energy.amount.minor], ['10', 300]);
    assert.equal((await call('GET', '/bills')).json.items.length, before);
    assert.equal((await call('GET', '/accounts/nobody/running')).status, 404);
  });

  for (const role of ['viewer', 'analyst', 'operator', 'admin', 'billing'] as Role[]) {
    void it(`lets a ${role} ${roleAtLeast(role, 'billing') ? 'use' : 'use none of'} the billing routes`, async () => {
      const name = `walk-${role}`;
      await rig.addUser(name, role);
      const session = await rig.login(name);
      for (const rule of billingRouteRules) {
        const path = rule.url.replace(':cycle', '2026-01').replace(':id', 'nothing-here');
        const answer = await rig.call(rule.method, path, { session, ...(rule.method === 'GET' ? {} : { body: {} }) });
        if (roleAtLeast(role, 'billing')) assert.notEqual(answer.status, 403, `${role} ${rule.method} ${path}`);
        else assert.deepEqual([answer.status, answer.json.error.code], [403, 'PW_ERR_API_FORBIDDEN'], `${role} ${rule.method} ${path}`);
      }
    });
  }

  void it('gives the billing role no operator route', async () => {
    const answer = await rig.call('POST', '/api/v1/meters/m-a1/commands', { session: clerk, body: { kind: 'read' } });
    assert.equal(answer.status, 403);
  });
});
