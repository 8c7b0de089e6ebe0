// Local protection end to end through the real head-end, the API and the dashboard in Debian's
// Chromium: protection settings changed through the API reach the meter agent as a sealed command
// and take effect (the next trip is at the new level), the confirmed version shows; the relay's
// state comes from the meter's sealed status into the meter's DTO and page; a remote disconnect
// shows as such; the fleet's Trips page lists both meters and the trip with its pre-trip values.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call
   -- answers are parsed JSON, read field by field */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  buildDashboard, httpsJson, launchChromium, newContext, signIn, startBrowserRig, userPassword, waitForPage, type BrowserRig,
} from './browser-kit.ts';

const tripping = 'prot-imbalance-1';
const remote = 'prot-remote-1';
/** The developing imbalance's motor: 30 A (60 A rated here), current unbalance off (its L1 load grows by design). */
const base = { ratedCurrent: 60, currentUnbalance: { enabled: false } };

describe('local protection through the head-end, the API and the dashboard', { timeout: 180_000 }, () => {
  let rig: BrowserRig;
  let ca: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  type Session = { cookie: string; csrf: string };
  const sessions = new Map<string, Session>();
  interface Answer {
    readonly status: number;
    readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read answers field by field
  }
  const call = (user: string, method: string, path: string, body?: unknown): Promise<Answer> =>
    httpsJson(rig.url, ca, method, path, body, sessions.get(user));

  before(async () => {
    await buildDashboard();
    rig = await startBrowserRig([
      // Two readings: 30 minutes into the imbalance, 0.45 % NEMA voltage unbalance, under the 3 % of version 1.
      { id: tripping, scenario: 'developing-imbalance', link: 'wifi', readings: 2,
        protection: { version: 1, ...base, voltageUnbalance: { warn: 0.01, trip: 0.03 } } },
      { id: remote, scenario: 'balanced-motor', link: 'wifi', readings: 1 },
    ]);
    ca = await readFile(rig.server.endpoints.caFile, 'utf8');
    for (const user of ['ops', 'watcher', 'chief']) {
      const login = await httpsJson(rig.url, ca, 'POST', '/api/v1/session', { username: user, password: userPassword });
      sessions.set(user, { cookie: login.cookie ?? '', csrf: (login.json as { csrfToken: string }).csrfToken });
    }
    browser = await launchChromium();
    context = await newContext(browser);
    page = await context.newPage();
  });

  after(async () => {
    await context.close();
    await browser.close();
    await rig.close();
  });

  it('sends changed settings as a sealed command that the meter confirms, and trips at the new level', async () => {
    assert.equal((await call('watcher', 'GET', `/api/v1/meters/${tripping}`)).json.relay, null, 'no change of the relay reported yet');
    // Settings are an admin's: the operator is refused, nothing is sent.
    const v2 = { version: 2, ...base, voltageUnbalance: { warn: 0.004, trip: 0.006, tripDelayMs: 60_000 } };
    assert.equal((await call('ops', 'PUT', `/api/v1/meters/${tripping}/protection`, v2)).status, 403);
    const sent = (await call('chief', 'PUT', `/api/v1/meters/${tripping}/protection`, v2)).json;
    assert.deepEqual([sent.status, sent.result.settingsVersion], ['done', 2], JSON.stringify(sent));
    const view = await call('watcher', 'GET', `/api/v1/meters/${tripping}/protection`);
    assert.deepEqual([view.json.settings.version, view.json.settings.command, view.json.trips], [2, sent.id, []]);

    // The next quarter hour: the unbalance passes 0.6 % at about 40 minutes, a minute later the relay opens.
    await rig.read(tripping);
    const after2 = await call('watcher', 'GET', `/api/v1/meters/${tripping}/protection`);
    const [trip] = after2.json.trips;
    assert.deepEqual([trip.fn, trip.settingsVersion, trip.record.pickup], ['voltage-unbalance', 2, 0.006], JSON.stringify(trip));
    assert.ok(trip.record.values.voltageUnbalance >= 0.006 && trip.record.before.voltageUnbalance >= 0.006, 'picked up a minute before');
    const detail = await call('watcher', 'GET', `/api/v1/meters/${tripping}`);
    assert.deepEqual([detail.json.relay.state, detail.json.relay.cause, detail.json.relay.fn, detail.json.relay.armed],
      ['open', 'trip', 'voltage-unbalance', false]);
    assert.equal(detail.json.relay.since, trip.at, 'the status carries the trip\'s time');
  });

  it('shows a remote disconnect sent through the head-end as the meter reported it', async () => {
    const off = await call('ops', 'POST', `/api/v1/meters/${remote}/commands`, { kind: 'disconnect' });
    assert.deepEqual([off.status, off.json.status, off.json.result.relay], [200, 'done', 'open']);
    await rig.read(remote);
    const detail = await call('watcher', 'GET', `/api/v1/meters/${remote}`);
    assert.deepEqual([detail.json.relay.state, detail.json.relay.cause, detail.json.relay.fn], ['open', 'remote', null]);
    const fleet = await call('watcher', 'GET', '/api/v1/protection/trips');
    assert.deepEqual(fleet.json.disconnected.map((d: { meter: string; relay: { cause: string } }) => [d.meter, d.relay.cause]).sort(),
      [[tripping, 'trip'], [remote, 'remote']]);
    assert.deepEqual(fleet.json.trips.map((t: { meter: string; fn: string }) => [t.meter, t.fn]), [[tripping, 'voltage-unbalance']]);
  });

  it('shows the relay, the confirmed version and the trips on the meter page, and both meters on the Trips page', async () => {
    await signIn(page, rig.url, 'watcher');
    await page.goto(`${rig.url}/#/meters/${tripping}`);
    await waitForPage(page, `document.querySelector('[data-testid="meter-relay"]')?.textContent.includes('tripped by voltage-unbalance')`);
    await waitForPage(page, `document.querySelector('[data-testid="protection-settings"]')?.textContent.includes('Settings version 2')`);
    const card = await page.locator('section.protection').textContent() ?? '';
    assert.match(card, /relay open: tripped by voltage-unbalance/);
    assert.match(card, /Pre-trip voltages/);
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Trips' }).click();
    await page.getByRole('heading', { name: 'Trips', level: 1 }).waitFor();
    await waitForPage(page, 'document.querySelector(\'[data-testid="trip-history"]\') !== null');
    const open = await page.getByTestId('open-relays').textContent() ?? '';
    assert.match(open, new RegExp(`${remote}relay open: disconnected remotely`));
    assert.match(open, new RegExp(`${tripping}relay open: tripped by voltage-unbalance`));
    const history = await page.getByTestId('trip-history').textContent() ?? '';
    assert.match(history, new RegExp(`${tripping}voltage-unbalance`));
    // The pre-trip values: L1 and L2 at 230 V, L3 sunk by about 2 % by then, and the unbalance over 0.6 %.
    assert.match(history, /230 V · 230 V · 22\d\.\d+ V/);
    assert.match(history, /0\.[6-9]\d %/);
  });
});
