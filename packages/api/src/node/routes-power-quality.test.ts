// The weekly power-quality routes on a real API server with a SQLite store holding a planted week of
// 1-minute readings of meter m-a2 (2026-W02, UTC): the JSON report, the CSV of its ten-minute values
// and the PDF read back by pdf.js, each against figures computed by hand; and the refusals.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- answers are parsed JSON */
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { extractText, getDocumentProxy } from 'unpdf';
import { parseMeterId, Q } from '@phasewire/core';
import type { Reading } from '@phasewire/core';
import { startApiRig, type ApiRig } from '../testing/index.ts';

const minute = 60_000;
/** Monday 5 January 2026 00:00 UTC: ISO week 2026-W02. */
const monday = Date.UTC(2026, 0, 5);
const meter = parseMeterId('m-a2');
let rig: ApiRig;

/**
 * 10 080 readings a minute apart. L2 sits at 200 V through intervals 100 … 139 (readings 1001 … 1400: one dip
 * of 400 min, its 40 intervals flagged); L1's THD is 9 % through intervals 500 … 559 (60 intervals).
 */
function plantedWeek(): Reading[] {
  const out: Reading[] = [];
  for (let m = 1; m <= 10_080; m++) {
    const at = monday + m * minute;
    const interval = Math.floor((m - 1) / 10);
    const values: [string, number][] = [
      [Q.voltageL1, 230], [Q.voltageL2, interval >= 100 && interval <= 139 ? 200 : 230], [Q.voltageL3, 230],
      [Q.angleVoltageL2, 120], [Q.angleVoltageL3, 240], [Q.voltageThdL1, interval >= 500 && interval <= 559 ? 0.09 : 0.02],
      [Q.voltageThdL2, 0.02], [Q.voltageThdL3, 0.02], [Q.frequency, 50.01],
    ];
    for (const [quantity, value] of values) out.push({ meter, quantity: quantity as Reading['quantity'], at, value });
  }
  return out;
}

const bytes = (path: string, session: { cookie: string }): Promise<{ status: number; type: string; body: Buffer }> =>
  new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: rig.server.port, path, method: 'GET', ca: rig.ca.anchors, servername: 'localhost',
      headers: { cookie: `pw_session=${session.cookie}` } }, (res) => {
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
  rig = await startApiRig();
  await rig.store.appendReadings(plantedWeek());
});
after(async () => { await rig.close(); });

const path = '/api/v1/meters/m-a2/power-quality/weekly';
function session(user: string): { cookie: string; csrf: string } {
  const found = rig.sessions.get(user);
  assert.ok(found !== undefined, user);
  return found;
}

describe('GET /meters/:id/power-quality/weekly', () => {
  it('answers the week\'s shares, events and coverage', async () => {
    const answer = await rig.call('GET', `${path}?week=2026-W02&zone=UTC`, { session: session('viewer') });
    assert.equal(answer.status, 200, answer.text);
    const j = answer.json;
    assert.deepEqual([j.week, j.from, j.to, j.declaredVoltage], ['2026-W02', '2026-01-05T00:00:00.000Z', '2026-01-12T00:00:00.000Z', 230]);
    assert.deepEqual(j.resolution.readingSeconds, 60);
    assert.deepEqual(j.coverage, { expectedIntervals: 1008, intervalsWithData: 1008, flaggedIntervals: 40, share: 1, readings: 10_080,
      expectedReadings: 10_080 });
    type Criterion = { id: string; within: number; evaluated: number; share: number | null; pass: boolean | null; max: number };
    const criteria = j.criteria as Criterion[];
    const c = (id: string) => criteria.find((x) => x.id === id)!;
    // L2: 40 of 1008 values at 200 V, outside 207 … 253 V: 968 / 1008 = 0.960317, pass.
    assert.deepEqual([c('voltage-L2').within, c('voltage-L2').evaluated, c('voltage-L2').share, c('voltage-L2').pass],
      [968, 1008, 0.960317, true]);
    // THD L1 on the 968 unflagged values: 60 at 9 %: 908 / 968 = 0.938017, fail.
    assert.deepEqual([c('thd-L1').within, c('thd-L1').evaluated, c('thd-L1').share, c('thd-L1').pass], [908, 968, 0.938017, false]);
    // Balanced phasors (230 V at 0°, 120°, 240°) outside the dip: VUF 0.
    assert.deepEqual([c('unbalance').share, c('unbalance').max], [1, 0]);
    assert.deepEqual([c('frequency').evaluated, c('frequency').share], [9680, 1]);
    assert.equal(j.pass, false);
    // One dip: began within reading 1001 (from + 1000 min), 400 min, residual 200 V = 86.96 %, depth 13.04 %.
    assert.deepEqual(j.events, [{ kind: 'dip', start: new Date(monday + 1000 * minute).toISOString(),
      end: new Date(monday + 1400 * minute).toISOString(), durationSeconds: 24_000, extreme: 200, extremePercent: 86.96,
      depthPercent: 13.04,
      phases: ['L2'] }]);
  });

  it('exports the ten-minute values as CSV to an analyst, not to a viewer', async () => {
    const refused = await rig.call('GET', `${path}.csv?week=2026-W02`, { session: session('viewer') });
    assert.equal(refused.status, 403);
    const answer = await rig.call('GET', `${path}.csv?week=2026-W02&zone=Europe/Berlin`, { session: session('analyst') });
    assert.equal(answer.status, 200, answer.text);
    assert.match(String(answer.headers['content-disposition']), /m-a2-power-quality-2026-W02\.csv/);
    const rows = answer.text.trimEnd().split('\r\n').map((r) => r.split(','));
    // In Berlin the week starts at 2026-01-04T23:00Z, an hour before the planted one: 1008 rows, the first six empty.
    assert.equal(rows.length, 1 + 1008);
    assert.deepEqual(rows[0]?.slice(0, 8),
      ['meter', 'week', 'start_utc', 'end_utc', 'start_local', 'end_local', 'readings', 'voltage_l1_v']);
    assert.deepEqual(rows[1]?.slice(2, 8), ['2026-01-04T23:00:00Z', '2026-01-04T23:10:00Z', '2026-01-05T00:00:00+01:00',
      '2026-01-05T00:10:00+01:00', '0', '']);
    // Planted interval 100 is row 106 here; L2 at 200 V, flagged by the dip.
    assert.deepEqual([rows[107]?.[2], rows[107]?.[8], rows[107]?.at(-1)], ['2026-01-05T16:40:00Z', '200', 'dip']);
  });

  it('renders the PDF with the compliance table and the events', async () => {
    const pdf = await bytes(`${path}.pdf?week=2026-W02`, session('viewer'));
    assert.equal(pdf.status, 200);
    assert.equal(pdf.type, 'application/pdf');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf.body)), { mergePages: true });
    const flat = text.replace(/\s+/g, ' ');
    assert.match(flat, /Power quality report/);
    assert.match(flat, /2026-W02: 2026-01-05 00:00:00 to 2026-01-12 00:00:00 \(UTC\)/);
    assert.match(flat, /1008 of 1008 intervals with data \(100\.00 %\)/);
    assert.match(flat, /Supply voltage L2 \(§4\.2\.2\.2\).*?1008 96\.03 % 95\.0 % pass/);
    assert.match(flat, /Voltage THD L1 \(§4\.2\.5\).*?968 93\.80 % 95\.0 % FAIL/);
    assert.match(flat, /Dips 1, swells 0, interruptions 0/);
    assert.match(flat, /dip 2026-01-05 16:40:00 24000 s 200\.0 V \(87\.0 %\) L2/);
  });

  it('refuses a week that does not exist, a zone it does not know and another tenant\'s meter', async () => {
    const viewer = { session: session('viewer') };
    const week = await rig.call('GET', `${path}?week=2025-W53`, viewer);
    assert.deepEqual([week.status, week.json.error.field], [400, '/querystring/week']);
    const zone = await rig.call('GET', `${path}?week=2026-W02&zone=Mars/Olympus`, viewer);
    assert.deepEqual([zone.status, zone.json.error.field], [400, '/querystring/zone']);
    assert.equal((await rig.call('GET', '/api/v1/meters/m-b1/power-quality/weekly', viewer)).status, 404);
  });
});
