// The meter page in Debian's Chromium against the real server, for a meter whose clock is far from
// the browser's: a demo's meters run on simulated time, hours or days away from the real clock. The
// page asks for its data windows ending at the meter's latest reading (lib/data-window.ts), so its
// charts hold the meter's data; windows ending at the browser's clock held nothing. A command the
// API answers `pending` shows as waiting and is followed to its answer (lib/command-status.ts).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DeviceId } from '@phasewire/secure';
import { buildDashboard, launchChromium, newContext, signIn, startBrowserRig, waitForPage, type BrowserRig } from './browser-kit.ts';

const dayMs = 86_400_000;
/** Ten days behind the real clock: a window ending at the browser's clock holds none of its readings. */
const behindMs = 10 * dayMs;
const meter = 'site-behind-1';

/** The meter's data requests the page made: path (after the meter's id) and its `from`/`to`. */
interface DataRequest {
  readonly what: string;
  readonly from: string | null;
  readonly to: string | null;
}

describe('the meter page of a meter far behind the real clock', { timeout: 120_000 }, () => {
  let rig: BrowserRig;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const requests: DataRequest[] = [];

  before(async () => {
    await buildDashboard();
    rig = await startBrowserRig([{ id: meter, scenario: 'daily-profile', link: 'wifi', readings: 12, behindMs }]);
    browser = await launchChromium();
    context = await newContext(browser);
    page = await context.newPage();
    page.on('request', (request) => {
      const url = new URL(request.url());
      const prefix = `/api/v1/meters/${meter}/`;
      if (request.method() !== 'GET' || !url.pathname.startsWith(prefix)) return;
      requests.push({ what: url.pathname.slice(prefix.length), from: url.searchParams.get('from'), to: url.searchParams.get('to') });
    });
    await signIn(page, rig.url, 'ops');
  });

  after(async () => {
    await context.close();
    await browser.close();
    await rig.close();
  });

  it('asks for every window ending just after the meter\'s latest reading and draws its data', async () => {
    const m = rig.meters.get(meter);
    assert.ok(m !== undefined);
    // The agent reads at its clock's time: the latest reading's. The API's ranges are half-open, [from,
    // to): the windows end one millisecond after it, holding it.
    const latest = new Date(m.clock.now()).toISOString();
    const end = new Date(m.clock.now() + 1).toISOString();
    assert.ok(Date.now() - m.clock.now() > behindMs, `the meter's latest reading (${latest}) is days behind the real clock`);
    await page.goto(`${rig.url}/#/meters/${meter}`);
    await page.getByRole('heading', { name: `Meter ${meter}` }).waitFor();
    const chart = (title: string): string => `[...document.querySelectorAll("figure.chart")].find((f) => f.querySelector("figcaption")`
      + `?.textContent.startsWith(${JSON.stringify(title)}))`;
    const points = (title: string): Promise<number> => page.evaluate<number>(`Number(${chart(title)}?.getAttribute("data-points") ?? 0)`);
    // The interval chart (two days) and the voltage chart (24 h) hold the meter's readings.
    await waitForPage(page, `Number(${chart('Interval energy')}?.getAttribute("data-points")) > 0`);
    await waitForPage(page, `Number(${chart('Voltage')}?.getAttribute("data-points")) > 0`);
    // Twelve readings a quarter hour apart: eleven intervals of energy between them at the least.
    assert.ok(await points('Interval energy') >= 11, `interval points: ${await points('Interval energy')}`);
    assert.equal(await points('Voltage'), 12, 'every voltage reading of the last 24 h of the meter');

    const windows = requests.filter((r) => r.to !== null);
    const asked = new Set(windows.map((r) => r.what));
    for (const what of ['power-quality', 'rollups', 'intervals', 'quality', 'readings'])
      assert.ok(asked.has(what), `the page asked for ${what}`);
    assert.deepEqual(windows.filter((r) => r.to !== end), [], `every window ends just after ${latest}`);
    const interval = windows.find((r) => r.what === 'intervals');
    assert.equal(interval?.from, new Date(m.clock.now() + 1 - 2 * dayMs).toISOString(),
      'the interval chart shows the meter\'s last two days');
  });

  it('shows a command answered pending as waiting, not as an error, and follows it to the meter\'s answer', async () => {
    // The API answers `pending` when the meter has not answered within 30 s. The test answers the
    // page's POST so at once, with a command the head-end really sent (its wait cut to 1 ms), which the
    // page then follows through the real GET route until the agent's answer is recorded.
    const sent: string[] = [];
    await page.route(`**/api/v1/meters/${meter}/commands`, async (route) => {
      const record = await rig.server.headEnd.sendCommand(meter as DeviceId, 'read', 1);
      sent.push(record.id);
      const expiresAt = new Date(record.expiresAt).toISOString();
      await route.fulfill({ json: { id: record.id, kind: record.kind, status: 'pending', expiresAt } });
    });
    await page.goto(`${rig.url}/#/meters/${meter}`);
    await page.getByLabel('Command').selectOption('read');
    await page.getByRole('button', { name: 'Send command…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Read now' }).click();
    const result = page.getByTestId('command-result');
    await page.locator('[data-testid=command-result][data-status=pending]').waitFor();
    assert.equal(await result.getAttribute('class'), 'waiting', 'pending in the neutral style');
    assert.match(await result.textContent() ?? '', /pending, waiting for the meter's answer/);
    await page.locator('[data-testid=command-result][data-status=done]').waitFor({ timeout: 20_000 });
    assert.equal(await result.getAttribute('class'), 'ok');
    // Said to a screen reader too, in the polite live region.
    await page.locator('[aria-live=polite]').filter({ hasText: `read on ${meter}: done` }).waitFor();
    assert.equal(sent.length, 1);
    assert.ok(requests.some((r) => r.what === `commands/${sent[0] ?? ''}`), 'the page asked for the command again');
    assert.equal(rig.server.headEnd.command(meter as DeviceId, sent[0] ?? '')?.status, 'done');
    await page.unrouteAll();
  });
});
