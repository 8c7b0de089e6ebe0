import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatRoute, parseRoute, type Route } from './route.ts';

describe('routes', () => {
  it('parse the four views and fall back to the fleet', () => {
    assert.deepEqual(parseRoute('#/meters/sim-1'), { view: 'meter', id: 'sim-1' });
    assert.deepEqual(parseRoute('#/trips'), { view: 'trips' });
    assert.deepEqual(parseRoute('#/firmware'), { view: 'firmware' });
    assert.equal(formatRoute({ view: 'firmware' }), '#/firmware');
    assert.deepEqual(parseRoute('#/meters/sim-1?alarm=a7'), { view: 'meter', id: 'sim-1', alarm: 'a7' });
    assert.deepEqual(parseRoute('#/meters/sim-1/power-quality?week=2026-W02&zone=Europe%2FBerlin'),
      { view: 'power-quality', id: 'sim-1', week: '2026-W02', zone: 'Europe/Berlin' });
    assert.deepEqual(parseRoute('#/meters/sim-1/power-quality'), { view: 'power-quality', id: 'sim-1' });
    assert.equal(formatRoute({ view: 'power-quality', id: 'a b', week: '2026-W02', zone: 'Europe/Berlin' }),
      '#/meters/a%20b/power-quality?week=2026-W02&zone=Europe%2FBerlin');
    assert.deepEqual(parseRoute('#/alarms'), { view: 'alarms' });
    assert.deepEqual(parseRoute('#/devices'), { view: 'devices' });
    assert.deepEqual(parseRoute(''), { view: 'fleet' });
    assert.deepEqual(parseRoute('#/nowhere/at/all'), { view: 'fleet' });
    assert.deepEqual(parseRoute('#/meters/%E0%A4%A'), { view: 'fleet' });
  });
  it('parse the billing views; a bill id round-trips, colons and slashes included', () => {
    assert.deepEqual(parseRoute('#/billing'), { view: 'billing' });
    assert.deepEqual(parseRoute('#/bills/%E0%A4%A'), { view: 'billing' });
    fc.assert(fc.property(fc.string({ minLength: 1 }), (id) => {
      const route: Route = { view: 'bill', id };
      assert.deepEqual(parseRoute(formatRoute(route)), route);
    }));
    assert.equal(formatRoute({ view: 'bill', id: '2026-01:acc-1:sp-1:001' }), '#/bills/2026-01%3Aacc-1%3Asp-1%3A001');
  });
  it('round-trip any meter id and alarm id', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.option(fc.string({ minLength: 1 }), { nil: undefined }), (id, alarm) => {
      const route: Route = alarm === undefined ? { view: 'meter', id } : { view: 'meter', id, alarm };
      assert.deepEqual(parseRoute(formatRoute(route)), route);
    }));
  });
});
