import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMeterId, Q, ValidationError } from '@phasewire/core';
import type { ObisCode } from '@phasewire/core';
import { applyFirmwareMetrology, encodeFirmwareBundle, parseFirmwareBundle } from './firmware-bundle.ts';

const bundle = (l2: number) => ({ format: 'phasewire-meter-firmware' as const, version: '1.0.0',
  metrology: { phaseAngleCorrectionDeg: [0, l2, 0] as [number, number, number] } });

test('a bundle reads back from its bytes; bytes that are not one are refused with the field', () => {
  assert.deepEqual(parseFirmwareBundle(encodeFirmwareBundle(bundle(3))), bundle(3));
  assert.throws(() => parseFirmwareBundle(new TextEncoder().encode('{"format":"phasewire-meter-firmware"}')), ValidationError);
  assert.throws(() => parseFirmwareBundle(new Uint8Array([0xff, 0xfe])), /not UTF-8 JSON/);
  assert.throws(() => parseFirmwareBundle(encodeFirmwareBundle({ ...bundle(30) })), /metrology/);
});

test('a phase-angle correction rotates that phase\'s active and reactive power and the totals follow; none leaves the snapshot', () => {
  // L2 at 1000 W and 484.3 var (power factor 0.9 lagging), S 1111.1 VA; L1 and L3 at 500 W, unity.
  const values = new Map<ObisCode, number>([
    [Q.activePowerL1, 500], [Q.activePowerL2, 1000], [Q.activePowerL3, 500],
    [Q.reactivePowerImportL1, 0], [Q.reactivePowerImportL2, 484.3], [Q.reactivePowerImportL3, 0],
    [Q.reactivePowerExportL1, 0], [Q.reactivePowerExportL2, 0], [Q.reactivePowerExportL3, 0],
    [Q.apparentPowerL2, 1111.1], [Q.powerFactorL2, 0.9], [Q.activePower, 2000], [Q.reactivePowerImport, 484.3],
    [Q.reactivePowerExport, 0],
  ]);
  const snapshot = { meter: parseMeterId('meter-1'), at: 0, values };
  assert.equal(applyFirmwareMetrology(bundle(0), snapshot), snapshot);
  const corrected = applyFirmwareMetrology(bundle(3), snapshot).values;
  const theta = (3 * Math.PI) / 180;
  const p2 = 1000 * Math.cos(theta) - 484.3 * Math.sin(theta);
  assert.equal(corrected.get(Q.activePowerL2), Math.round(p2 * 10) / 10);
  assert.equal(corrected.get(Q.reactivePowerImportL2), Math.round((1000 * Math.sin(theta) + 484.3 * Math.cos(theta)) * 10) / 10);
  assert.equal(corrected.get(Q.activePowerL1), 500);
  assert.equal(corrected.get(Q.activePower), Math.round((1000 + p2) * 10) / 10);
  assert.equal(corrected.get(Q.powerFactorL2), Math.round((p2 / 1111.1) * 10_000) / 10_000);
});
