import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MeterList, MeterSummary } from '@phasewire/api';
import { FleetRows, type PageFetcher } from './fleet-rows.ts';

const meter = (k: number): MeterSummary => ({
  id: `m-${k}`, model: 'sim', link: 'wifi', state: 'active', online: true, lastSeen: null,
  activeAlarms: { warn: 0, critical: 0 }, vufPercent: k / 100, completenessToday: 1,
});

function server(total: number): { fetch: PageFetcher; calls: (string | undefined)[] } {
  const calls: (string | undefined)[] = [];
  const fetch: PageFetcher = (cursor, limit) => {
    calls.push(cursor);
    const from = cursor === undefined ? 0 : Number(cursor);
    const items = Array.from({ length: Math.max(0, Math.min(limit, total - from)) }, (_, k) => meter(from + k));
    const page: MeterList = { items, total, nextCursor: from + limit < total ? String(from + limit) : null };
    return Promise.resolve(page);
  };
  return { fetch, calls };
}

describe('FleetRows', () => {
  it('loads pages in order until the wanted row is there', async () => {
    const s = server(2500);
    const rows = new FleetRows(s.fetch, 1000, () => undefined);
    await rows.ensure(1500);
    assert.equal(rows.rows.length, 2000);
    assert.equal(rows.total, 2500);
    assert.deepEqual(s.calls, [undefined, '1000']);
  });
  it('asks for a small first page, then full pages', async () => {
    const limits: number[] = [];
    const s = server(3000);
    const rows = new FleetRows((cursor, limit) => { limits.push(limit); return s.fetch(cursor, limit); }, 1000, () => undefined, 100);
    await rows.ensure(1500);
    assert.deepEqual(limits, [100, 1000, 1000]);
    assert.equal(rows.rows.length, 2100);
  });
  it('stops at the end of the list and shares one request between concurrent callers', async () => {
    const s = server(1200);
    const rows = new FleetRows(s.fetch, 1000, () => undefined);
    await Promise.all([rows.ensure(5000), rows.ensure(5000)]);
    assert.equal(rows.rows.length, 1200);
    assert.deepEqual(s.calls, [undefined, '1000']);
  });
  it('ignores answers after close, so an old filter never overwrites a new one', async () => {
    const s = server(100);
    let changes = 0;
    const rows = new FleetRows(s.fetch, 50, () => { changes += 1; });
    const pending = rows.ensure(10);
    rows.close();
    await pending;
    assert.equal(rows.rows.length, 0);
    assert.equal(changes, 0);
  });
  it('patches a loaded row from a live message and leaves unknown meters alone', async () => {
    const rows = new FleetRows(server(10).fetch, 50, () => undefined);
    await rows.ensure(0);
    assert.equal(rows.patch('m-3', { online: false, state: 'revoked' }), true);
    assert.deepEqual([rows.rows[3]?.online, rows.rows[3]?.state], [false, 'revoked']);
    assert.equal(rows.patch('m-99', { online: false }), false);
  });
  it('keeps the error of a failed page and stops asking', async () => {
    let calls = 0;
    const rows = new FleetRows(() => { calls += 1; return Promise.reject(new Error('offline')); }, 50, () => undefined);
    await rows.ensure(10);
    await rows.ensure(10);
    assert.equal(calls, 1);
    assert.match(String(rows.error), /offline/);
  });
});
