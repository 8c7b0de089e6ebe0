// The export routes on a real API server over HTTPS with a SQLite store: the Green Button feed of a
// meter validates against the ESPI schemas and carries the store's final interval values and
// qualities; the CSV has one row per interval; refusals name the field.
/* eslint-disable @typescript-eslint/no-unsafe-member-access -- answers are parsed JSON, read field by field */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MeterId, ObisCode } from '@phasewire/core';
import { day0, readGreenButton, startApiRig, validateGreenButton, type ApiRig } from '../testing/index.ts';

const importWh = '1-0:1.8.0' as ObisCode;
const quarter = 900_000;
const range = `from=${new Date(day0).toISOString()}&to=${new Date(day0 + 10 * 3_600_000).toISOString()}`;

describe('export routes', () => {
  let rig: ApiRig;
  before(async () => {
    rig = await startApiRig();
    await rig.addUser('clerk', 'billing');
    rig.sessions.set('clerk', await rig.login('clerk'));
    // An editor's final value and a VEE estimate on two intervals: the export must carry them, with their quality.
    await rig.store.writeIntervals([{ meter: 'm-a1' as MeterId, quantity: importWh, end: day0 + 4 * quarter, stage: 'final', value: 199.9,
      quality: 'edited' }], { kind: 'person', person: 'analyst', reason: 'register replaced' });
    await rig.store.writeIntervals([{ meter: 'm-a1' as MeterId, quantity: importWh, end: day0 + 5 * quarter, stage: 'validated',
      value: 240.25, quality: 'estimated' }], { kind: 'rule', rule: 'estimate-gap' });
  });
  after(async () => { await rig.close(); });
  const as = (name: string) => rig.sessions.get(name) ?? assert.fail(`no session ${name}`);

  it('Green Button: the feed validates with xmllint and carries every store interval with its value and quality', async () => {
    const answer = await rig.call('GET', `/api/v1/meters/m-a1/greenbutton.xml?${range}&tz=Europe/Berlin`,
      { session: as('clerk') });
    assert.equal(answer.status, 200, answer.text);
    assert.match(String(answer.headers['content-type']), /^application\/atom\+xml/);
    const verdict = await validateGreenButton(answer.text);
    assert.equal(verdict.valid, true, verdict.output);
    const stored = (await rig.store.intervals('m-a1' as MeterId, importWh, { from: day0, to: day0 + 10 * 3_600_000 }))
      .filter((i) => i.value !== null);
    const readings = readGreenButton(answer.text).blocks.flatMap((b) => b.readings);
    assert.equal(stored.length, 40);
    assert.deepEqual(readings.map((r) => [r.start * 1000, r.value]),
      stored.map((i) => [i.end - quarter, Math.round((i.value ?? 0) * 1000)]));
    assert.deepEqual(readings.slice(2, 6).map((r) => [r.value, r.qualities]),
      [[250_000, [14]], [199_900, [7]], [240_250, [8]], [250_000, [14]]]);
    const audit = rig.accounts.audit('default', 10).find((a) => a.action === 'greenbutton.export');
    assert.equal(audit?.object, 'meter:m-a1');
  });

  it('interval CSV: a header and one row per interval, local times in the requested zone', async () => {
    const answer = await rig.call('GET', `/api/v1/meters/m-a1/intervals.csv?${range}&tz=America/New_York`,
      { session: as('clerk') });
    assert.equal(answer.status, 200, answer.text);
    const rows = answer.text.split('\r\n').filter((r) => r !== '');
    assert.equal(rows.length, 41);
    assert.equal(rows[1], 'm-a1,1-0:1.8.0,Wh,2026-01-15T00:00:00Z,2026-01-15T00:15:00Z,2026-01-14T19:00:00-05:00,2026-01-14T19:15:00-05:00,'
      + '250,measured');
    assert.equal(rows[4]?.split(',').slice(7).join(','), '199.9,edited');
  });

  it('refuses every role but billing and admin, another tenant\'s meter, an unknown zone and a range longer than 92 days', async () => {
    for (const role of ['viewer', 'analyst', 'operator']) {
      const refused = await rig.call('GET', `/api/v1/meters/m-a1/greenbutton.xml?${range}`, { session: as(role) });
      assert.equal(refused.status, 403, role);
    }
    const foreign = await rig.call('GET', `/api/v1/meters/m-b1/greenbutton.xml?${range}`, { session: as('admin') });
    assert.equal(foreign.status, 404);
    const zone = await rig.call('GET', `/api/v1/meters/m-a1/intervals.csv?${range}&tz=Mars/Olympus`,
      { session: as('admin') });
    assert.equal(zone.status, 400);
    assert.equal(zone.json.error.field, '/querystring/tz');
    const long = await rig.call('GET', '/api/v1/meters/m-a1/greenbutton.xml?from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z',
      { session: as('admin') });
    assert.equal(long.status, 400);
  });

  it('both routes are in the OpenAPI document under the exports tag', async () => {
    const doc = await rig.call('GET', '/openapi.json', { session: as('viewer') });
    for (const path of ['/api/v1/meters/{id}/greenbutton.xml', '/api/v1/meters/{id}/intervals.csv'])
      assert.deepEqual(doc.json.paths[path].get.tags, ['exports'], path);
  });
});
