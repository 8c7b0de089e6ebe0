// What numbers leave the API: every value at its quantity's resolution (docs/quantities.md), so
// float noise in the store (a sum, a VEE difference, a double kept as it came) never reaches a
// client or an export; and every derived figure in the unit its answer names.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call --
   answers are parsed JSON, read field by field against the contract */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseMeterId, Q } from '@phasewire/core';
import { day0, startApiRig } from '../testing/api-test-kit.ts';
import type { ApiRig } from '../testing/api-test-kit.ts';

const meter = parseMeterId('m-a1');
const at = day0 + 11 * 3_600_000;
const range = `from=${new Date(at - 3_600_000).toISOString()}&to=${new Date(at + 3_600_000).toISOString()}`;
/** Numbers in a JSON or CSV text with more decimals than `places` (the seconds of a time are not numbers). */
const tooFine =
  (text: string, places: number): string[] => text.match(new RegExp(`(?<![\\d:.])\\d+\\.\\d{${places + 1},}(?![\\dZ])`, 'g')) ?? [];

describe('numbers at the API boundary', () => {
  let rig: ApiRig;
  before(async () => {
    rig = await startApiRig();
    // Doubles as they came (the store keeps a value that is not a whole number of steps as it is).
    await rig.store.appendReadings([
      { meter, quantity: Q.voltageL1, at, value: 230.10000000000002 },
      { meter, quantity: Q.voltageL2, at, value: 229.7 }, { meter, quantity: Q.voltageL3, at, value: 231.35 },
      { meter, quantity: Q.voltageL1L2, at, value: 398.2 }, { meter, quantity: Q.voltageL2L3, at, value: 399.91 },
      { meter, quantity: Q.voltageL3L1, at, value: 400.3 },
      { meter, quantity: Q.activeEnergyImport, at: at - 900_000, value: 1_000_000 },
      { meter, quantity: Q.activeEnergyImport, at, value: 1_003_592.2999999999 },
    ]);
    await rig.store.writeIntervals([{ meter, quantity: Q.activeEnergyImport, end: at, stage: 'validated', value: 3592.2999999999993,
      quality: 'validated' }], { kind: 'rule', rule: 'VEE' });
  });
  after(async () => { await rig.close(); });
  const get = (path: string) => rig.call('GET', path, { session: rig.sessions.get('analyst')! });

  it('answers readings, the CSV export, rollups, intervals and latest values at the resolution of their quantity', async () => {
    const readings = await get(`/api/v1/meters/m-a1/readings?quantity=1-0:32.7.0&${range}`);
    assert.deepEqual(readings.json.points.find((p: [string, number]) => p[0] === new Date(at).toISOString()),
      [new Date(at).toISOString(), 230.1]);
    const energy = await get(`/api/v1/meters/m-a1/readings?quantity=1-0:1.8.0&${range}`);
    assert.deepEqual(tooFine(energy.text, 1), []);
    const csv = await get(`/api/v1/meters/m-a1/readings.csv?quantities=1-0:32.7.0,1-0:1.8.0&${range}`);
    assert.match(csv.text, /,230\.1,1003592\.3\r\n/);
    assert.deepEqual(tooFine(csv.text, 2), []);
    const intervals = await get(`/api/v1/meters/m-a1/intervals?quantity=1-0:1.8.0&${range}`);
    assert.equal(intervals.json.points.find((p: { start: string }) => p.start === new Date(at - 900_000).toISOString()).value, 3592.3);
    for (const period of ['hour', 'day']) {
      const rollups =
        await get(`/api/v1/meters/m-a1/rollups?quantity=1-0:1.8.0&period=${period}&from=2026-01-15T00:00:00Z&to=2026-01-16T00:00:00Z`);
      assert.deepEqual(tooFine(rollups.text, 1), [], `${period} rollups`);
    }
    const detail = await get('/api/v1/meters/m-a1');
    assert.equal(detail.json.latest.values['1-0:32.7.0'], 230.1);
  });

  it('lists no interval from before a meter\'s first reading: it did not exist then', async () => {
    const iso = (t: number): string => new Date(t).toISOString();
    const answer =
      await get(`/api/v1/meters/m-a2/intervals?quantity=1-0:1.8.0&from=${iso(day0 - 2 * 3_600_000)}&to=${iso(day0 + 3_600_000)}`);
    assert.deepEqual(answer.json.points.map((p: { start: string; quality: string }) => [p.start, p.quality]),
      [0, 1, 2, 3].map((k) => [iso(day0 + k * 900_000), 'valid']));
  });

  it('answers power quality in the units it names, at 0.01 % and 0.0001', async () => {
    const pq = await get('/api/v1/meters/m-a1/power-quality');
    assert.equal(pq.status, 200);
    assert.deepEqual(pq.json.units,
      { unbalance: '%', currentUnbalance: '%', neutralCurrent: 'A', powerFactor: '1', thd: '1', eventDepth: '%' });
    assert.equal(pq.json.unbalance.vuf.unit, '%');
    assert.ok(pq.json.unbalance.vuf.value > 0.1 && pq.json.unbalance.vuf.value < 1,
      `VUF ${pq.json.unbalance.vuf.value} % of these voltages`);
    assert.deepEqual(tooFine(pq.text, 2), []);
    const meters = await get('/api/v1/meters');
    assert.deepEqual(tooFine(meters.text, 4), []);
  });
});
