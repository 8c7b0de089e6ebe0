// Exports of a stored bill on a real API server with SQLite meter and billing stores: a January bill
// rated by a bill run (flat tariff, 1 kW all month: 744 kWh × 0.30 + 10.00 = 233.20 EUR) exported as
// PDF (read back by pdf.js), as Green Button (xmllint against the ESPI schemas; the UsageSummary in
// hundred-thousandths of a euro) and as CSV; and refused to a role other than billing.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- answers are parsed JSON */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { extractText, getDocumentProxy } from 'unpdf';
import { parseMeterId } from '@phasewire/core';
import { billedReads, flatTariff, january } from '@phasewire/mdm/testing';
import { SqliteBillingStore } from '@phasewire/store/node';
import { readGreenButton, startApiRig, validateGreenButton, type ApiRig } from '../testing/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'pw-api-bill-exports-'));
let rig: ApiRig;
let clerk: { cookie: string; csrf: string };
let billId = '';

const call = (method: string, path: string, body?: unknown) =>
  rig.call(method, `/api/v1/billing${path}`, { session: clerk, ...(body === undefined ? {} : { body }) });

/** A binary answer (the PDF), which the rig's text client would garble. */
const bytes = (path: string): Promise<{ status: number; type: string; body: Buffer }> => new Promise((resolve, reject) => {
  const req = httpsRequest({ host: '127.0.0.1', port: rig.server.port, path, method: 'GET', ca: rig.ca.anchors, servername: 'localhost',
    headers: { cookie: `pw_session=${clerk.cookie}` } }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => {
      resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks) });
    });
  });
  req.on('error', reject);
  req.end();
});

before(async () => {
  const store = await SqliteBillingStore.open({ path: join(dir, 'billing.db') });
  rig = await startApiRig({ billing: { store, completenessLimit: 0.98 } });
  await rig.addUser('clerk', 'billing');
  clerk = await rig.login('clerk');
  // A meter of its own, read every 15 minutes all month (the rig's meters hold readings of their own on 15 January).
  rig.registry.enrol({ id: parseMeterId('m-bill-9'), kind: 'meter', model: 'pw-sim-3p', linkProfile: 'wifi' });
  await rig.store.appendReadings(billedReads(parseMeterId('m-bill-9'), january.from, january.to, 5_000));
  const from = new Date(january.from).toISOString();
  assert.equal((await call('POST', '/tariffs', flatTariff())).status, 201);
  assert.equal((await call('PUT', '/accounts/acc-9', { name: 'Corner Shop, "Ltd"', cycleDay: 1 })).status, 204);
  assert.equal((await call('PUT', '/service-points/sp-9', { name: 'High St 9' })).status, 204);
  assert.equal((await call('POST', '/service-points/sp-9/installations', { meter: 'm-bill-9', from })).status, 204);
  assert.equal((await call('POST', '/accounts/acc-9/service-points', { servicePoint: 'sp-9', from })).status, 204);
  assert.equal((await call('POST', '/accounts/acc-9/tariffs', { tariffId: 'flat-berlin', from })).status, 204);
  let run = (await call('POST', '/runs', { cycle: '2026-01' })).json;
  while (run.state !== 'finished') run = (await call('GET', '/runs/2026-01')).json;
  billId = (await call('GET', '/bills?cycle=2026-01&account=acc-9')).json.items[0].id;
});
after(async () => { await rig.close(); rmSync(dir, { recursive: true, force: true }); });

void describe('bill exports', () => {
  void it('PDF: the bill with its lines, total, peak and data quality, as pdf.js reads it', async () => {
    const answer = await bytes(`/api/v1/billing/bills/${encodeURIComponent(billId)}/bill.pdf`);
    assert.equal(answer.status, 200, answer.body.toString());
    assert.equal(answer.type, 'application/pdf');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(answer.body)), { mergePages: true });
    const flat = text.replace(/\s+/g, ' ');
    assert.match(flat, /Corner Shop, "Ltd" \(acc-9\)/);
    assert.match(flat, /Base charge .* 10\.00/);
    assert.match(flat, /Energy 744 kWh 0\.30 \/ kWh 223\.20/);
    assert.match(flat, /Total 233\.20 EUR/);
    assert.match(flat, /Data quality 100\.0 % complete of 2976 intervals/);
  });

  void it('Green Button: the bill as UsageSummary beside the 2976 intervals it was rated from, valid against the schemas', async () => {
    const answer = await call('GET', `/bills/${encodeURIComponent(billId)}/greenbutton.xml`);
    assert.equal(answer.status, 200, answer.text);
    const verdict = await validateGreenButton(answer.text);
    assert.equal(verdict.valid, true, verdict.output);
    const feed = readGreenButton(answer.text);
    const summary = feed.entries.find((e) => e.kind === 'UsageSummary')?.content;
    assert.ok(summary !== undefined);
    assert.equal(summary['billLastPeriod'], 23_320_000, '233.20 EUR in hundred-thousandths');
    assert.deepEqual(summary['billingPeriod'], { duration: (january.to - january.from) / 1000, start: january.from / 1000 });
    const imports = feed.blocks.filter((b) => b.title.startsWith('Active energy import'));
    assert.equal(imports.length, 31, 'one IntervalBlock per local day of January');
    const readings = imports.flatMap((b) => b.readings);
    assert.equal(readings.length, 2976);
    assert.deepEqual(readings.filter((r) => r.value !== 250_000).map((r) => [new Date(r.start * 1000).toISOString(), r.value]), [],
      'every interval 250 Wh');
  });

  void it('CSV: one row per charge line, amounts adding up to the total', async () => {
    const answer = await call('GET', '/bills.csv?cycle=2026-01');
    assert.equal(answer.status, 200, answer.text);
    const rows = answer.text.split('\r\n').filter((r) => r !== '').map((r) => r.split(','));
    assert.equal(rows.length, 3);
    assert.deepEqual(rows.slice(1).map((r) => [r[0], r[1], r[7], r[12]]),
      [['acc-9', 'm-bill-9', 'fixed', '10.00'], ['acc-9', 'm-bill-9', 'energy-flat', '223.20']]);
    assert.equal((await call('GET', '/bills.csv')).status, 400);
  });

  void it('refuses the exports to roles other than billing and admin', async () => {
    for (const role of ['viewer', 'analyst', 'operator']) {
      await rig.addUser(`x-${role}`, role as 'viewer');
      const session = await rig.login(`x-${role}`);
      const answer = await rig.call('GET', `/api/v1/billing/bills/${encodeURIComponent(billId)}/greenbutton.xml`, { session });
      assert.equal(answer.status, 403, role);
    }
  });
});
