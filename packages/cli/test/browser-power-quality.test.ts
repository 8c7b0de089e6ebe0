// The power-quality report page in Debian's Chromium against the real server: reached from the meter
// page, it shows the EN 50160 compliance of a week the store holds (a week of the `developing-imbalance`
// scenario, one reading a simulated minute, written to the server's store) with the share computed by
// hand, and its download links give the PDF (read back by pdf.js) and the CSV; a viewer gets no CSV link.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { extractText, getDocumentProxy } from 'unpdf';
import { parseMeterId } from '@phasewire/core';
import type { Snapshot } from '@phasewire/core';
import { createSimulatedMeter } from '@phasewire/meter';
import { parseIsoWeek, weekSpan } from '@phasewire/mdm';
import { buildDashboard, cspViolations, launchChromium, newContext, signIn, startBrowserRig, waitForPage, type BrowserRig } from
  './browser-kit.ts';

const meter = 'pq-browser-1';
const minute = 60_000;
const week = weekSpan(parseIsoWeek('2026-W02'), 'Europe/Berlin');

describe('the power-quality report page', { timeout: 180_000 }, () => {
  let rig: BrowserRig;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    await buildDashboard();
    rig = await startBrowserRig([{ id: meter, scenario: 'balanced-motor', link: 'wifi', readings: 2 }]);
    // The week of 2026-W02 in Berlin, as the meter would have sent it: one snapshot a minute from the week's start.
    const sim = createSimulatedMeter({ meter: parseMeterId(meter), scenario: 'developing-imbalance', mode: 'phasor', seed: 1,
      start: week.from });
    let batch: Snapshot[] = [];
    for (let at = week.from + minute; at <= week.to; at += minute) {
      batch.push(sim.advanceTo(at));
      if (batch.length === 720) { await rig.server.store.appendSnapshots(batch); batch = []; }
    }
    await rig.server.store.appendSnapshots(batch);
    browser = await launchChromium();
    context = await newContext(browser);
    page = await context.newPage();
    await signIn(page, rig.url, 'ops');
  });

  after(async () => {
    await context.close();
    await browser.close();
    await rig.close();
  });

  it('is linked from the meter page and shows the week\'s compliance, coverage and events', async () => {
    await page.goto(`${rig.url}/#/meters/${meter}`);
    await page.getByRole('link', { name: 'Power quality report (EN 50160)' }).click();
    await page.getByRole('heading', { name: `Power quality of ${meter}` }).waitFor();
    assert.equal(new URL(page.url()).hash, `#/meters/${meter}/power-quality`);
    // Without a week in the link: the week of the meter's latest reading.
    await page.getByTestId('pq-compliance').waitFor();
    await page.getByLabel('Week').fill('2026-W02');
    await page.getByLabel('Time zone').fill('Europe/Berlin');
    await page.getByRole('button', { name: 'Show' }).click();
    await waitForPage(page, 'document.querySelector("[data-testid=pq-summary]")?.textContent.includes("2026-W02")');
    assert.equal(new URL(page.url()).hash, `#/meters/${meter}/power-quality?week=2026-W02&zone=Europe%2FBerlin`);
    // VUF = δ/(3 − δ) with L3 low by δ = 0.08 · t / 3 h: within 2 % for t ≤ 132.35 min, so 13 of the 1008 values: 1.29 %.
    const unbalance = page.locator('[data-criterion=unbalance]');
    assert.equal(await unbalance.locator('[data-share]').textContent(), '1.29 %');
    assert.match(await unbalance.textContent() ?? '', /fail/);
    assert.equal(await page.locator('[data-criterion=voltage-L3] [data-share]').textContent(), '100.00 %');
    assert.equal(await page.getByTestId('pq-verdict').textContent(), 'fail');
    assert.match(await page.getByTestId('pq-coverage').textContent() ?? '', /^1008 of 1008 intervals with data \(100\.0 %\)$/);
    assert.equal(await page.getByTestId('pq-event-counts').textContent(), 'Dips 0, swells 0, interruptions 0.');
  });

  it('downloads the PDF report and the CSV of the ten-minute values', async () => {
    const pdfHref = await page.getByTestId('pq-pdf').getAttribute('href');
    const pdf = await page.request.get(new URL(pdfHref ?? '', rig.url).toString());
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(await pdf.body())), { mergePages: true });
    const flat = text.replace(/\s+/g, ' ');
    assert.match(flat, new RegExp(`Meter ${meter}`));
    assert.match(flat, /Voltage unbalance \(§4\.2\.4\).*?1008 1\.29 % 95\.0 % FAIL/);
    const csvHref = await page.getByTestId('pq-csv').getAttribute('href');
    const csv = await page.request.get(new URL(csvHref ?? '', rig.url).toString());
    assert.equal(csv.status(), 200);
    assert.equal((await csv.text()).trimEnd().split('\r\n').length, 1 + 1008);
    assert.deepEqual(cspViolations, []);
  });

  it('gives a viewer the PDF link and no CSV link', async () => {
    const viewer = await newContext(browser);
    try {
      const viewerPage = await viewer.newPage();
      await signIn(viewerPage, rig.url, 'watcher');
      await viewerPage.goto(`${rig.url}/#/meters/${meter}/power-quality?week=2026-W02&zone=Europe%2FBerlin`);
      await viewerPage.getByTestId('pq-pdf').waitFor();
      assert.equal(await viewerPage.getByTestId('pq-csv').count(), 0);
    } finally {
      await viewer.close();
    }
  });
});
