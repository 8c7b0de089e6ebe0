// The dashboard's Firmware page end to end: `phasewire server`'s standard services with a TUF
// repository in its data directory (software keystore, as the demo keeps it), real meter agents with
// the firmware option enrolled through EST, and Debian's Chromium. An admin starts a campaign from the
// page's form and watches the meter commit the metrology fix; a second campaign offers the other
// model a bad build, which fails its health check and rolls back: the page lists the meter with the
// reason. A viewer sees the campaigns with every action disabled; an operator may pause, not resume.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMeterId, SeededRandom } from '@phasewire/core';
import { encodeFirmwareBundle, linkProfiles, type FirmwareBundle } from '@phasewire/agent';
import { ensureEnrolled, MeterAgent } from '@phasewire/agent/node';
import { createSimulatedMeter } from '@phasewire/meter';
import { FirmwareRepository } from '@phasewire/mdm/firmware';
import { directoryStorage } from '@phasewire/mdm/node';
import { deviceIdentity } from '@phasewire/secure';
import { SoftwareKeystore } from '@phasewire/secure/node';
import { parseServerConfig } from '@phasewire/server';
import { standardServices, startPhasewireServer, type PhasewireServer } from '@phasewire/server/node';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildDashboard, httpsJson, launchChromium, newContext, signIn, userPassword } from './browser-kit.ts';

const hw = 'r1';
const target = (model: string, version: string): string => `${model}/${hw}/${model}-${hw}-${version}.bin`;
const bundle = (version: string, l2: number, fault?: 'stop-publishing'): Uint8Array => encodeFirmwareBundle({
  format: 'phasewire-meter-firmware', version, metrology: { phaseAngleCorrectionDeg: [0, l2, 0] },
  ...(fault === undefined ? {} : { fault }),
} satisfies FirmwareBundle);
const factory = bundle('1.0.0', 4);
/** Two models: the fix for the first, a build that stops publishing for the second. */
const good = 'pw-sim-3p';
const bad = 'pw-sim-3p-lab';

async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!await predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the Firmware page: campaigns started, watched and stopped from the dashboard', { timeout: 180_000 }, () => {
  let dir: string;
  let server: PhasewireServer;
  let url: string;
  let ca: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const agents: MeterAgent[] = [];
  const timers: NodeJS.Timeout[] = [];

  before(async () => {
    const staticDir = await buildDashboard();
    dir = await mkdtemp(join(tmpdir(), 'phasewire-browser-firmware-'));
    const keyFile = join(dir, 'firmware.key');
    await writeFile(keyFile, randomBytes(32), { mode: 0o600 });
    const keystore = (name: string) => SoftwareKeystore.open({ path: join(dir, `${name}.json`), unlock: { keyFile }, warn: () => undefined,
      create: true });
    const offline = await keystore('offline');
    const online = await keystore('online');
    const repository = await FirmwareRepository.init({
      storage: directoryStorage(join(dir, 'data', 'firmware')), offline, online, clock: { now: () => Date.now() },
    });
    for (const model of [good, bad]) {
      const image = { model, hardwareRevision: hw };
      await repository.add({ ...image, version: '1.0.0', securityVersion: 1, bytes: factory });
      await repository.add({ ...image, version: '1.1.0', securityVersion: 2, bytes: bundle('1.1.0', 0, model === bad ? 'stop-publishing'
        : undefined) });
    }
    await offline.close();
    await online.close();
    const services = standardServices({ staticDir, mdm: { timer: false }, api: { scrypt: { N: 2 ** 10, r: 8, p: 1 } },
      campaignTickMs: 500 });
    const config = parseServerConfig({
      mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 }, api: { port: 0 }, broker: { kind: 'embedded' },
      firmware: { port: 0 },
    });
    server = await startPhasewireServer({ config, dataDir: join(dir, 'data'), warn: () => undefined, services });
    url = services.api?.url ?? assert.fail('no API');
    ca = await readFile(server.endpoints.caFile, 'utf8');
    const admin = services.initialAdmin ?? assert.fail('no first admin');
    const login = await httpsJson(url, ca, 'POST', '/api/v1/session', { username: admin.username, password: admin.password });
    const session = { cookie: login.cookie ?? '', csrf: (login.json as { csrfToken: string }).csrfToken };
    for (const [username, role] of [['ops', 'operator'], ['watcher', 'viewer'], ['chief', 'admin']] as const) {
      await httpsJson(url, ca, 'POST', '/api/v1/users', { username, password: userPassword, role }, session);
    }
    const firmwareUrl = new URL(server.endpoints.firmware ?? assert.fail('the server serves no firmware repository'));
    for (const [name, model] of [['fw-good-1', good], ['fw-bad-1', bad]] as const) {
      const id = parseMeterId(name);
      server.headEnd.registry.enrol({ id, kind: 'meter', model, linkProfile: 'wifi' });
      const dataDir = join(dir, 'meters', name);
      const token = await server.issueToken(deviceIdentity('meter', id));
      const { identity } = await ensureEnrolled({ dataDir, meter: id, token: token.token, estServer: server.endpoints.enrollment,
        keyServer: server.endpoints.keyProvisioning, trustedCa: ca });
      const agent = await MeterAgent.open({
        identity, dataDir, broker: { host: '127.0.0.1', port: server.endpoints.mqttPort, servername: 'localhost' },
        profile: { ...linkProfiles.wifi, reconnect: { initialMs: 50, maxMs: 200 } }, clock: { now: () => Date.now() },
        random: new SeededRandom(1), describe: { model, link: 'wifi' },
        meter: createSimulatedMeter({ meter: id, scenario: 'balanced-resistive', mode: 'phasor', seed: 3, start: Date.now() - 60_000 }),
        firmware: {
          baseUrl: firmwareUrl.origin, trustedRoot: join(dir, 'data', 'firmware', 'metadata', '1.root.json'), model, hardwareRevision: hw,
          fetcher: { host: '127.0.0.1', port: Number(firmwareUrl.port), servername: 'localhost', trust: { anchors: ca }, chunkBytes: 512,
            retryDelayMs: 50 },
          factory: { bytes: factory, securityVersion: 1 }, healthCheckMs: 3000, pollMs: 100,
        },
      });
      agents.push(agent);
      agent.start();
      timers.push(setInterval(() => { void agent.takeReading().catch(() => undefined); }, 200));
      await until(() => server.headEnd.reportedFirmware().get(id)?.version === '1.0.0', `${name} online on 1.0.0`);
    }
    browser = await launchChromium();
    context = await newContext(browser);
    page = await context.newPage();
  });

  after(async () => {
    for (const timer of timers) clearInterval(timer);
    await context.close();
    await browser.close();
    for (const agent of agents) await agent.stop();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (id: string, image: string, canary: string) => {
    await page.getByLabel('Image').selectOption(image);
    await page.getByLabel('Id', { exact: true }).fill(id);
    await page.getByLabel('Name', { exact: true }).fill(`Metrology fix ${id}`);
    await page.getByLabel('Running versions').fill('1.0.0');
    await page.getByLabel('Canary share %').fill(canary);
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('heading', { name: new RegExp(`\\(${id}\\)`) }).waitFor();
  };
  const cell = (state: string) => page.getByTestId('campaign-waves').locator(`tbody tr:first-child td[data-state="${state}"]`);

  it('lists the images, starts a campaign from the form and shows the meter commit the fix', async () => {
    await signIn(page, url, 'chief');
    await page.getByRole('link', { name: 'Firmware' }).click();
    await page.getByRole('heading', { name: 'Firmware', level: 1 }).waitFor();
    await page.getByText('No campaign yet.').waitFor();
    await page.getByLabel('Image').locator('option').nth(3).waitFor({ state: 'attached' });
    const options = await page.getByLabel('Image').locator('option').allTextContents();
    assert.equal(options.length, 4, options.join(' | '));
    await start('fix-good', target(good, '1.1.0'), '100');
    await cell('committed').filter({ hasText: '1' }).waitFor({ timeout: 60_000 });
    assert.equal(await page.getByTestId('campaign-status').locator('strong').textContent(), 'done');
    assert.equal(server.headEnd.reportedFirmware().get(parseMeterId('fw-good-1'))?.version, '1.1.0');
    assert.equal(await page.getByText('None.').count(), 1, 'no failure listed');
  });

  it('shows the bad build roll back on the other model, with the reason', async () => {
    await start('fix-lab', target(bad, '1.1.0'), '100');
    const failures = page.getByTestId('campaign-failures');
    await failures.getByRole('rowheader', { name: 'fw-bad-1' }).waitFor({ timeout: 60_000 });
    const row = await failures.locator('tbody tr').first().textContent() ?? '';
    assert.match(row, /rolled-back/);
    assert.match(row, /back on 1\.0\.0/);
    await cell('rolled-back').filter({ hasText: '1' }).waitFor();
    assert.deepEqual(server.headEnd.reportedFirmware().get(parseMeterId('fw-bad-1'))?.version, '1.0.0');
    const list = await page.getByTestId('campaign-list').locator('tbody tr').count();
    assert.equal(list, 2);
  });

  it('disables what the role may not do: a viewer nothing, an operator pause and abort', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, url, 'watcher');
    await page.goto(`${url}#/firmware`);
    await page.getByTestId('campaign-detail').waitFor();
    for (const name of ['Pause', 'Resume', 'Abort', 'Start']) {
      assert.equal(await page.getByRole('button', { name }).isDisabled(), true, name);
    }
    await page.getByText('Starting a campaign is for an admin.').waitFor();
    // A running campaign the operator pauses, may not resume, and aborts.
    const session = await httpsJson(url, ca, 'POST', '/api/v1/session', { username: 'chief', password: userPassword });
    const chief = { cookie: session.cookie ?? '', csrf: (session.json as { csrfToken: string }).csrfToken };
    // Its window opens twelve hours from now: the meter is offered nothing while the operator looks.
    const hour = (new Date().getUTCHours() + 12) % 24;
    const at = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
    const made = await httpsJson(url, ca, 'POST', '/api/v1/firmware/campaigns', { id: 'later', name: 'Later', target: target(bad, '1.1.0'),
      window: { start: at(hour), end: at(hour + 1), zone: 'UTC' } }, chief);
    assert.equal(made.status, 201, JSON.stringify(made.json));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, url, 'ops');
    await page.goto(`${url}#/firmware`);
    await page.getByRole('link', { name: 'Later' }).click();
    await page.getByRole('heading', { name: /Later/ }).waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByTestId('campaign-status').filter({ hasText: 'paused' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Resume' }).isDisabled(), true);
    await page.getByRole('button', { name: 'Abort' }).click();
    await page.getByTestId('campaign-status').filter({ hasText: 'aborted' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Abort' }).isDisabled(), true);
  });
});
