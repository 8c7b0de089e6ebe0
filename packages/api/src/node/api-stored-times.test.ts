// The API stays total on whatever the store holds: readings planted straight into the store at
// impossible times (the epoch, the year 2200, beyond the range of a JavaScript Date) leave every
// route of that meter answering, never with a 500; and a 500 that does happen is logged with its
// cause, never silent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseMeterId, Q } from '@phasewire/core';
import type { Reading } from '@phasewire/core';
import { day0, startApiRig } from '../testing/api-test-kit.ts';
import type { ApiRig } from '../testing/api-test-kit.ts';

/** ECMA-262 §21.4.1.22 (time values): a Date holds at most ±8.64e15 ms. */
const dateRangeMs = 8.64e15;
const planted = [0, Date.UTC(2200, 0, 1), dateRangeMs + 15 * 60_000, Number.MAX_SAFE_INTEGER - 1];

describe('the API on impossible stored times', () => {
  let rig: ApiRig;
  const logged: string[] = [];
  before(async () => {
    rig = await startApiRig({ log: (event) => { logged.push(event.msg); } });
    const meter = parseMeterId('m-a1');
    const readings: Reading[] = planted.flatMap((at) => [
      { meter, quantity: Q.voltageL1, at, value: 231 },
      { meter, quantity: Q.activeEnergyImport, at, value: 9_999 },
    ]);
    await rig.store.appendReadings(readings);
  });
  after(async () => { await rig.close(); });

  it('answers every route of the meter, without a 500, and lists the stored times it can express', async () => {
    const viewer = rig.sessions.get('admin')!;
    const day = new Date(day0).toISOString();
    const paths = [
      '/api/v1/fleet/summary',
      '/api/v1/meters',
      '/api/v1/meters/m-a1',
      `/api/v1/meters/m-a1/readings?quantity=1-0:32.7.0&from=${day}`,
      '/api/v1/meters/m-a1/readings?quantity=1-0:32.7.0&from=2199-12-31T12:00:00Z&to=2200-01-01T12:00:00Z',
      '/api/v1/meters/m-a1/readings?quantity=1-0:32.7.0&from=1970-01-01T00:00:00Z&to=1970-01-02T00:00:00Z',
      `/api/v1/meters/m-a1/readings.csv?quantities=1-0:32.7.0,1-0:1.8.0&from=${day}`,
      '/api/v1/meters/m-a1/readings.csv?quantities=1-0:32.7.0&from=2199-12-31T12:00:00Z&to=2200-01-01T12:00:00Z',
      `/api/v1/meters/m-a1/rollups?quantity=1-0:1.8.0&period=day&from=${day}`,
      '/api/v1/meters/m-a1/rollups?quantity=1-0:1.8.0&period=month&from=2199-01-01T00:00:00Z&to=2200-12-31T00:00:00Z',
      `/api/v1/meters/m-a1/intervals?quantity=1-0:1.8.0&from=${day}`,
      `/api/v1/meters/m-a1/quality?from=${day}`,
      `/api/v1/meters/m-a1/power-quality?from=${day}`,
    ];
    for (const path of paths) {
      const answer = await rig.call('GET', path, { session: viewer });
      assert.equal(answer.status, 200, `${path}: ${answer.text}`);
    }
    const detail = await rig.call('GET', '/api/v1/meters/m-a1', { session: viewer });
    // The latest reading of each quantity is the one beyond a Date's range: left out, not a failure.
    assert.equal((detail.json as { latest: unknown }).latest, null);
    const in2200 = await rig.call('GET',
      '/api/v1/meters/m-a1/readings?quantity=1-0:32.7.0&from=2199-12-31T12:00:00Z&to=2200-01-01T12:00:00Z', { session: viewer });
    assert.deepEqual((in2200.json as { points: unknown[] }).points, [['2200-01-01T00:00:00.000Z', 231]]);
    assert.deepEqual(logged, [], 'nothing failed, so nothing was logged');
  });
});

describe('a 500 of the API', () => {
  it('is logged with the method, the path without its query and the cause, and tells the client nothing more', async () => {
    const logged: { level: string; msg: string }[] = [];
    const rig = await startApiRig({
      log: (event) => { logged.push(event); },
      powerQuality: {
        summary: () => Promise.reject(new Error('the power-quality store is gone', { cause: new Error('disk I/O error') })),
        vufPercent: () => null,
      },
    });
    try {
      const answer =
        await rig.call('GET', '/api/v1/meters/m-a1/power-quality?from=2026-01-15T00:00:00Z', { session: rig.sessions.get('viewer')! });
      assert.equal(answer.status, 500);
      assert.deepEqual(answer.json,
        { error: { code: 'PW_ERR_API_INTERNAL', message: 'The request failed inside the server; the server log has the cause' } });
      assert.deepEqual(logged.map((event) => event.level), ['error']);
      const msg = logged.map((event) => event.msg).join('');
      assert.match(msg, /^API: GET \/api\/v1\/meters\/m-a1\/power-quality answered 500: Error: the power-quality store is gone\n/);
      assert.match(msg, /caused by: Error: disk I\/O error/);
      assert.doesNotMatch(msg, /from=|pw_session|csrf/i, 'no query, cookie or token in the log');
    } finally {
      await rig.close();
    }
  });
});
