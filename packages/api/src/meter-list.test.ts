import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMeterId } from '@phasewire/core';
import type { DeviceRecord } from '@phasewire/headend';
import { fleetSummary, listMeters, meterSummary } from './meter-list.ts';
import type { MeterFigures } from './meter-list.ts';

const now = Date.UTC(2026, 0, 15, 12);
const record = (
  id: string,
  link: 'wifi' | 'cellular' | 'rs485',
  lastSeen: number | null,
  state: DeviceRecord['state'] = 'active',
): DeviceRecord => ({
  id: parseMeterId(id), kind: 'meter', model: 'm', linkProfile: link, fingerprint: null, serial: null, state, lastSeen, gateway: null,
});
const vuf: Record<string, number> = { 'm-001': 0.4, 'm-002': 2.6, 'm-003': 1.1 };
const figures: MeterFigures = {
  now, onlineWindowMs: 300_000, alarms: new Map([['m-002', { warn: 0, critical: 1 }]]),
  vufPercent: (meter) => vuf[meter] ?? null, completeness: new Map([['m-001', 1], ['m-002', 0.5]]),
};
const meters = [
  record('m-001', 'wifi', now - 10_000), record('m-002', 'rs485', now - 60_000), record('m-003', 'cellular', now - 3_600_000),
  record('m-004', 'wifi', now - 1_000, 'revoked'),
].map((r) => meterSummary(r, figures));

describe('meter list', () => {
  it('sorts worst voltage unbalance first by default, meters without a figure last', () => {
    assert.deepEqual(listMeters(meters, {}).items.map((m) => m.id), ['m-002', 'm-003', 'm-001', 'm-004']);
  });

  it('filters by status, link, active alarm and id substring', () => {
    assert.deepEqual(listMeters(meters, { status: 'online', sort: 'id' }).items.map((m) => m.id), ['m-001', 'm-002']);
    assert.deepEqual(listMeters(meters, { link: 'wifi', sort: 'id' }).items.map((m) => m.id), ['m-001', 'm-004']);
    assert.deepEqual(listMeters(meters, { alarm: 'active' }).items.map((m) => m.id), ['m-002']);
    assert.deepEqual(listMeters(meters, { q: '03' }).items.map((m) => m.id), ['m-003']);
  });

  it('pages with an opaque cursor until the list ends', () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = listMeters(meters, { sort: 'id', limit: 3, ...(cursor === null ? {} : { cursor }) });
      assert.equal(page.total, 4);
      seen.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(seen, ['m-001', 'm-002', 'm-003', 'm-004']);
    assert.throws(() => listMeters(meters, { cursor: 'not-ours' }), { code: 'PW_ERR_API_INVALID_REQUEST' });
  });

  it('counts online and offline per link, alarms and mean completeness for the fleet', () => {
    const summary = fleetSummary(meters);
    assert.deepEqual(summary.byLink,
      { wifi: { online: 1, offline: 1 }, cellular: { online: 0, offline: 1 }, rs485: { online: 1, offline: 0 } });
    assert.equal(summary.online, 2);
    assert.deepEqual(summary.activeAlarms, { warn: 0, critical: 1 });
    assert.equal(summary.completenessToday, 0.75);
  });
});
