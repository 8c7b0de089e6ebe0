import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMeterId } from '@phasewire/core';
import type { PowerQualitySummary } from '@phasewire/mdm';
import { powerQualityDto } from './standard-services.ts';

const figure = (value: number | null) => ({ value, max: value });

test('the MDM\'s power-quality ratios reach the API in its contract\'s units: unbalance and event depth in percent, THD as ratios', () => {
  const summary: PowerQualitySummary = {
    meter: parseMeterId('meter-0001'), from: 0, to: 86_400_000, intervals: 96,
    unbalance: {
      vuf: { ...figure(0.0265), standard: 'IEC 61000-4-30 VUF' },
      lvur: { ...figure(0.0237), standard: 'NEMA MG 1 LVUR' },
      pvur: { ...figure(null), standard: 'IEEE 112 PVUR' },
    },
    currentUnbalance: figure(0.031), neutralCurrent: figure(2.6),
    powerFactor: { l1: 0.88, l2: 0.87, l3: null },
    thd: { voltage: [figure(0.02), figure(0.021), figure(0.022)], current: [figure(0.3), figure(null), figure(0.31)] },
    events: [{ kind: 'sag', start: 3_600_000, end: null, depth: 0.3 }],
    en50160: null,
  };
  const dto = powerQualityDto(summary);
  assert.ok(Math.abs((dto.unbalance.vuf.value ?? 0) - 2.65) < 1e-9);
  assert.ok(Math.abs((dto.unbalance.lvur.value ?? 0) - 2.37) < 1e-9);
  assert.equal(dto.unbalance.pvur.value, null);
  assert.equal(dto.unbalance.pvur.standard, 'IEEE 112 PVUR');
  assert.ok(Math.abs((dto.currentUnbalance ?? 0) - 3.1) < 1e-9);
  assert.equal(dto.neutralCurrent, 2.6);
  assert.deepEqual(dto.thd, { voltageL1: 0.02, voltageL2: 0.021, voltageL3: 0.022, currentL1: 0.3, currentL2: null, currentL3: 0.31 });
  // A sag to 70 % of Udin is 30 % deep: the depth leaves the API in percent like every share of a reference.
  assert.deepEqual(dto.events, [{ kind: 'sag', start: '1970-01-01T01:00:00.000Z', end: null, depth: 30 }]);
  assert.deepEqual(dto.powerFactor, { l1: 0.88, l2: 0.87, l3: null });
});
