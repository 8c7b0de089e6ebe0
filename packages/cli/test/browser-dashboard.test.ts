// The dashboard in Debian's Chromium (headless, through playwright-core) against the real API
// server on the real head-end, with meter agents publishing through the real ingest: sign in,
// watch a live value change, follow an imbalance alarm from the fleet to the meter and acknowledge
// it, revoke a meter and see it go offline, and a viewer refused an operator action.
// Screenshots of each view go to test-artifacts/screenshots/ (and to docs/screenshots/ with
// PHASEWIRE_UPDATE_SCREENSHOTS=1, to refresh the README's pictures).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Q } from '@phasewire/core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildDashboard, cspViolations, dashboardDir, launchChromium, newContext, signIn, startBrowserRig, waitForPage,
  type BrowserRig } from './browser-kit.ts';

const repo = resolve(dashboardDir, '../..');
const shotDirs = [join(repo, 'test-artifacts', 'screenshots'), ...(process.env['PHASEWIRE_UPDATE_SCREENSHOTS'] === '1' ? [join(repo, 'docs',
  'screenshots')] : [])];

async function screenshot(page: Page, name: string): Promise<void> {
  for (const dir of shotDirs) {
    await mkdir(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `${name}.png`) });
  }
}

/** A visible, settled page: no spinner and no pending chart. */
async function settled(page: Page): Promise<void> {
  await waitForPage(page, 'document.querySelectorAll("[aria-busy=true]").length === 0');
}

describe('the dashboard in a browser against the real server', { timeout: 120_000 }, () => {
  let rig: BrowserRig;
  let browser: Browser;
  // The operator's session, signed in once and shared by the tests that act as the operator.
  let ops: BrowserContext;
  let page: Page;

  before(async () => {
    await buildDashboard();
    rig = await startBrowserRig([
      { id: 'site-imbalance-1', scenario: 'developing-imbalance', link: 'wifi', readings: 24 },
      { id: 'site-motor-1', scenario: 'daily-profile', link: 'cellular', readings: 3 },
      { id: 'site-pump-1', scenario: 'nonlinear', link: 'rs485', readings: 2 },
    ]);
    browser = await launchChromium();
    ops = await newContext(browser);
    page = await ops.newPage();
    await signIn(page, rig.url, 'ops');
  });

  after(async () => {
    await ops.close();
    await browser.close();
    await rig.close();
  });

  it('signs in with the keyboard and shows the fleet worst imbalance first', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(rig.url);
    await screenshot(page, 'login');
    // Keyboard only: the username field has focus; Tab to the password, Enter submits.
    await page.keyboard.type('ops');
    await page.keyboard.press('Tab');
    await page.keyboard.type('browser tests pass phrase');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Fleet' }).waitFor();
    await page.locator('[data-meter]').nth(2).waitFor();
    assert.equal(await page.getByTestId('fleet-meters').textContent(), '3');
    const vufs = await page.locator('[data-meter] .c-vuf').allTextContents();
    const numbers = vufs.map((t) => Number.parseFloat(t));
    assert.ok(numbers.every((v) => Number.isFinite(v)), vufs.join(' | '));
    assert.deepEqual(numbers, [...numbers].sort((a, b) => b - a), 'sorted worst VUF first');
    await settled(page);
    await screenshot(page, 'fleet');
    await context.close();
  });

  it('shows a live value change as the ingest stores a new reading', async () => {
    await page.goto(`${rig.url}/#/meters/site-motor-1`);
    // The new reading shows: its time in the live card's title, and its current of L1. The daily
    // profile's load is flat for an hour at night and at noon (UTC), so the value itself may not move;
    // the time always does.
    const shown = (amps: number): string => `document.querySelector('[data-testid=live-current-L1]')?.textContent === ${JSON.stringify(
      `${amps.toFixed(2)} A`)}`;
    const before = await rig.latest('site-motor-1', Q.currentL1);
    assert.ok(before !== undefined);
    await waitForPage(page, shown(before));
    // Readings reach the page once its socket is open: the shell says so.
    await page.getByTestId('live-status').filter({ hasText: 'live' }).waitFor();
    const title = await page.locator('#live-title').textContent();
    await rig.read('site-motor-1');
    const after = await rig.latest('site-motor-1', Q.currentL1);
    assert.ok(after !== undefined);
    await waitForPage(page, `document.querySelector('#live-title')?.textContent !== ${JSON.stringify(title)}`);
    await waitForPage(page, shown(after));
    assert.equal(await page.locator('[data-phasor]').count(), 6, 'three voltage and three current phasors');
    await settled(page);
    await screenshot(page, 'meter');
  });

  it('follows an imbalance alarm from the fleet to the meter and acknowledges it with a note', async () => {
    const alarm = [...rig.alarms.values()].find((a) => a.meter === 'site-imbalance-1' && a.type === 'voltage-unbalance');
    assert.ok(alarm !== undefined && (alarm.state === 'raised' || alarm.state === 'escalated'), 'the scenario raised the alarm');
    // Which meters have an active alarm is the MDM's call over the stored data (it runs only in
    // rig.read, so it holds still here); the filtered list must show exactly those meters.
    const active = [...new Set([...rig.alarms.values()].filter((a) => a.state !== 'cleared').map((a) => a.meter))].sort();
    assert.ok(active.length < rig.meters.size, `a meter without an active alarm, for the filter to leave out (active: ${active.join(
      ', ')})`);
    await page.goto(`${rig.url}/#/fleet`);
    await page.getByLabel('with active alarms').check();
    // Waits for the filtered answer itself: the unfiltered rows still on screen list every meter.
    const listed = 'JSON.stringify([...document.querySelectorAll("[data-meter]")].map((r) => r.getAttribute("data-meter")).sort())';
    await waitForPage(page, `${listed} === ${JSON.stringify(JSON.stringify(active))}`);
    const counts = await page.locator('[data-meter] .c-alarms').allTextContents();
    assert.ok(counts.every((c) => /^\d+$/.test(c.trim())), `each listed meter shows its alarm count: ${counts.join(' | ')}`);
    await page.locator('[data-meter="site-imbalance-1"] a').click();
    await page.getByRole('heading', { name: 'Meter site-imbalance-1' }).waitFor();
    const row = page.locator(`tr[data-alarm="${alarm.id}"]`);
    const ack = row.getByRole('button', { name: /Acknowledge/ });
    // Escape closes the dialog and gives focus back to the button that opened it.
    await ack.click();
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const label = await ack.getAttribute('aria-label') ?? '';
    await waitForPage(page, `document.activeElement?.getAttribute("aria-label") === ${JSON.stringify(label)}`, 5_000);
    assert.equal(await page.evaluate('document.activeElement?.getAttribute("aria-label")'), label);
    // Enter confirms.
    await ack.click();
    await page.getByLabel('Note (what was done or checked)').fill('Checked the motor feeder, L3 tap fixed tomorrow');
    await screenshot(page, 'acknowledge-dialog');
    await page.keyboard.press('Enter');
    await row.locator('.alarm-state').filter({ hasText: 'acknowledged' }).waitFor();
    assert.match(await row.textContent() ?? '', /ops: “Checked the motor feeder/);
    assert.equal(rig.alarms.get(alarm.id)?.state, 'acknowledged');
    assert.equal(rig.alarms.get(alarm.id)?.acknowledgement?.actor, 'ops');
    // The unbalance figures, each with its standard.
    for (const [key, standard] of [['vuf', 'IEC 61000-4-30'], ['lvur', 'NEMA MG 1'], ['pvur', 'IEEE 112']] as const) {
      assert.match(await page.locator(`[data-figure=${key}]`).textContent() ?? '', new RegExp(`${standard}.*\\d\\.\\d\\d %`));
    }
    await page.getByRole('link', { name: 'Alarms' }).click();
    await page.getByRole('heading', { name: 'Alarms' }).waitFor();
    await page.getByLabel('Show').selectOption('all');
    await page.locator(`tr[data-alarm="${alarm.id}"]`).waitFor();
    await screenshot(page, 'alarms');
  });

  it('issues an enrollment token, revokes a meter after confirmation and shows it offline as the head-end drops it', async () => {
    const pump = rig.meters.get('site-pump-1');
    assert.ok(pump?.agent.connected === true);
    await page.getByRole('link', { name: 'Devices' }).click();
    // An enrollment token for a new meter, confirmed first and shown once.
    await page.getByLabel('Meter id (serial)').fill('site-new-1');
    await page.getByRole('button', { name: 'Create token…' }).click();
    await page.getByRole('button', { name: 'Create token', exact: true }).click();
    assert.match(await page.getByTestId('enrollment-token').textContent() ?? '', /\S{20,}/);
    await page.getByLabel('Meter id', { exact: true }).fill('site-pump-1');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByTestId('device-state').filter({ hasText: 'active' }).waitFor();
    await page.getByRole('button', { name: 'Revoke…' }).click();
    await page.getByLabel('Reason').fill('Meter stolen from site');
    await page.keyboard.press('Enter');
    await page.getByTestId('device-state').filter({ hasText: 'revoked' }).waitFor();
    await screenshot(page, 'devices');
    await page.goto(`${rig.url}/#/fleet`);
    await page.locator('[data-meter="site-pump-1"] .c-status').filter({ hasText: 'revoked' }).waitFor();
    assert.equal(rig.server.headEnd.registry.get('site-pump-1')?.state, 'revoked');
    const connected = (): boolean => pump.agent.connected;
    const deadline = Date.now() + 10_000;
    while (connected() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(pump.agent.connected, false, 'the head-end dropped the session');
  });

  it('refuses a viewer an operator action, in the page and at the API', async () => {
    const context = await newContext(browser, 'tablet');
    const page = await context.newPage();
    await signIn(page, rig.url, 'watcher');
    await page.goto(`${rig.url}/#/meters/site-motor-1`);
    await page.getByRole('heading', { name: 'Meter site-motor-1' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Revoke…' }).isDisabled(), true);
    assert.match(await page.locator('#role-note').textContent() ?? '', /need the operator role; you are signed in as viewer/);
    // The server decides, not the page: the same request sent by hand is refused.
    const answer = await page.evaluate<{ status: number; body: { error?: { code?: string } } }>(`(async () => {
      const session = await (await fetch('/api/v1/session')).json();
      const res = await fetch('/api/v1/meters/site-motor-1/commands', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ kind: 'disconnect' }),
      });
      return { status: res.status, body: await res.json() };
    })()`);
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error?.code, 'PW_ERR_API_FORBIDDEN');
    await settled(page);
    await screenshot(page, 'meter-tablet');
    await context.close();
  });

  it('shows the sign-in form with the server\'s reason when the session ends in another tab', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, rig.url, 'watcher');
    await page.getByTestId('live-status').filter({ hasText: 'live' }).waitFor();
    // Another tab of the same browser (same cookie) signs out; the server closes this page's live
    // feed with 4401, and the page does not retry with a cookie that no longer works.
    const other = await context.newPage();
    await other.goto(`${rig.url}/`);
    const status = await other.evaluate<number>(`(async () => {
      const session = await (await fetch('/api/v1/session')).json();
      return (await fetch('/api/v1/session', { method: 'DELETE', headers: { 'x-csrf-token': session.csrfToken } })).status;
    })()`);
    assert.equal(status, 204);
    await page.getByRole('alert').filter({ hasText: /You were signed out: the session ended/ }).waitFor();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await context.close();
  });

  it('runs every view and the API docs page under the Content-Security-Policy with no violation', async () => {
    // The policies are in force (so that no violation means something): the dashboard's and /docs'.
    // (A full navigation: a change of the hash alone would answer with no response.)
    const dashboard = await page.goto(`${rig.url}/`);
    const pagePolicy = dashboard?.headers()['content-security-policy'] ?? '';
    assert.match(pagePolicy, /script-src 'self'(;|$)/);
    assert.match(pagePolicy, /frame-ancestors 'none'/);
    await page.locator('[data-meter]').first().waitFor();
    const docs = await page.goto(`${rig.url}/docs`);
    assert.match(docs?.headers()['content-security-policy'] ?? '', /script-src 'self'(;|$)/);
    // Swagger UI drew the operations of the OpenAPI document it fetched.
    await page.locator('.opblock').first().waitFor();
    assert.ok(await page.locator('.opblock').count() > 20, 'the docs page lists the API\'s operations');
    // Every page any test opened (sign-in, fleet, meter and its charts, alarms, devices, the tablet
    // viewer, the docs) reported its violations through the console.
    assert.deepEqual(cspViolations, []);
  });
});
