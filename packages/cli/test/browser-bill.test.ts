// The billing pages in Debian's Chromium against a real API server (SQLite meter and billing stores)
// serving the built dashboard: a billing clerk opens the billing page (running charges, tariffs, the run and its
// progress, the cycle's bills), then a bill: its lines and total, the intervals behind the energy
// charge with their quality, and the determinants with the data quality.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { parseMeterId } from '@phasewire/core';
import { billedReads, flatTariff, january } from '@phasewire/mdm/testing';
import { SqliteBillingStore } from '@phasewire/store/node';
import { password, startApiRig, type ApiRig } from '@phasewire/api/testing';
import { buildDashboard, cspViolations, launchChromium, newContext, signIn, waitForPage } from './browser-kit.ts';

const dir = mkdtempSync(join(tmpdir(), 'pw-browser-bill-'));
let rig: ApiRig;
let browser: Browser;
let billId = '';

before(async () => {
  const staticDir = await buildDashboard();
  const store = await SqliteBillingStore.open({ path: join(dir, 'billing.db') });
  rig = await startApiRig({ billing: { store, completenessLimit: 0.98 }, staticDir });
  await rig.addUser('clerk', 'billing');
  const clerk = await rig.login('clerk');
  const call = async (method: string, path: string, body: unknown, status: number) => {
    const answer = await rig.call(method, `/api/v1/billing${path}`, { session: clerk, body });
    assert.equal(answer.status, status, `${method} ${path}: ${answer.text}`);
    return answer.json as Record<string, unknown>;
  };
  rig.registry.enrol({ id: parseMeterId('m-bill-7'), kind: 'meter', model: 'pw-sim-3p', linkProfile: 'wifi' });
  await rig.store.appendReadings(billedReads(parseMeterId('m-bill-7'), january.from, january.to, 5_000));
  const from = new Date(january.from).toISOString();
  await call('POST', '/tariffs', flatTariff(), 201);
  await call('PUT', '/accounts/acc-7', { name: 'Corner Shop', cycleDay: 1 }, 204);
  await call('PUT', '/service-points/sp-7', { name: 'High St 7' }, 204);
  await call('POST', '/service-points/sp-7/installations', { meter: 'm-bill-7', from }, 204);
  await call('POST', '/accounts/acc-7/service-points', { servicePoint: 'sp-7', from }, 204);
  await call('POST', '/accounts/acc-7/tariffs', { tariffId: 'flat-berlin', from }, 204);
  await call('POST', '/runs', { cycle: '2026-01' }, 202);
  for (;;) {
    const run = await rig.call('GET', '/api/v1/billing/runs/2026-01', { session: clerk });
    if ((run.json as { state: string }).state === 'finished') break;
  }
  const bills = await rig.call('GET', '/api/v1/billing/bills?cycle=2026-01', { session: clerk });
  billId = (bills.json as { items: { id: string }[] }).items[0]?.id ?? assert.fail('no bill');
  browser = await launchChromium();
});
after(async () => {
  await browser.close();
  await rig.close();
  rmSync(dir, { recursive: true, force: true });
});

void describe('billing pages', () => {
  void it('a billing clerk follows the run to its bill, and sees the intervals behind a charge and the data quality', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const url = `https://localhost:${rig.server.port}/`;
    await signIn(page, url, 'clerk', password);
    await page.getByRole('link', { name: 'Billing' }).click();
    await page.getByTestId('tariff-list').getByText('Flat (Berlin)').waitFor();
    // The running charges: m-bill-7 has all of January, but the API's clock (the rig's) is 2026-01-15 10:00 UTC: the
    // open period is rated up to then (15 of 31 days begun), not up to the meter's later data.
    const running = page.getByTestId('running-charges').getByRole('row').filter({ hasText: 'acc-7' });
    await running.getByText('114.10 EUR').waitFor();
    assert.match(await running.innerText(), /Corner Shop\s+flat-berlin\s+2026-01-01 to 2026-01-15 10:00 UTC .*m-bill-7/);
    await page.getByRole('heading', { name: 'Running charges (estimate, open period)' }).waitFor();
    await page.getByTestId('run-list').getByText('1 / 1').waitFor();
    await page.getByTestId('bill-list').getByRole('link', { name: billId }).click();

    await page.getByRole('heading', { name: `Bill ${billId}` }).waitFor();
    assert.equal((await page.getByTestId('bill-total').innerText()).replace(/\s+/g, ' ').trim(), '233.20 EUR');
    const lines = page.getByTestId('bill-lines');
    assert.match(await lines.innerText(), /Energy\s+744 kWh\s+0\.30\s+223\.20/);
    await page.getByTestId('intervals-1').click();
    await page.getByTestId('line-intervals').getByText('2976 intervals: 2976 measured (first 500 shown)').waitFor();
    await waitForPage(page, 'document.querySelectorAll(\'[data-testid="line-intervals"] tbody tr\').length === 500');
    assert.match(await page.getByTestId('determinants').innerText(),
      /100\.0 % complete of 2976 intervals, 0\.0 % estimated, 0\.0 % edited/);
    assert.equal(await page.getByRole('link', { name: 'PDF' }).getAttribute('href'),
      `/api/v1/billing/bills/${encodeURIComponent(billId)}/bill.pdf`);
    assert.deepEqual(cspViolations, []);
    await context.close();
  });
});
