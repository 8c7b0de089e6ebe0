import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Q, type ObisCode } from '@phasewire/core';
import { implausibilities } from './plausibility.ts';

const values = (entries: Partial<Record<keyof typeof Q, number>>): Map<ObisCode, number> =>
  new Map(Object.entries(entries).map(([key, value]) => [Q[key as keyof typeof Q], value]));

describe('plausibility of a live three-phase meter', () => {
  it('passes the supplies meters really sit on, and the events they really report', () => {
    const live = [
      { voltageL1: 230.1, voltageL2: 229.8, voltageL3: 231, frequency: 50.01, activeEnergyImport: 1e6 },
      { voltageL1: 277, voltageL2: 276, voltageL3: 278, voltageL1L2: 480, frequency: 60 },
      { voltageL1: 120, voltageL2: 121, voltageL3: 119, frequency: 59.95 },
      { voltageL1: 230, voltageL2: 230, voltageL3: 0, frequency: 50 }, // a lost phase
      { voltageL1: 161, voltageL2: 161, voltageL3: 161, frequency: 50 }, // a 30 % sag
      { voltageL1: 230, frequency: 49.7, activeEnergyExport: 0 },
    ];
    for (const entry of live) assert.deepEqual(implausibilities(values(entry)), [], JSON.stringify(entry));
  });

  it('flags a meter at 0 V and 0 Hz, a frequency off any grid, impossible voltages and a negative energy register', () => {
    assert.deepEqual(implausibilities(values({ voltageL1: 0, voltageL2: 0, voltageL3: 0, frequency: 0, activeEnergyImport: 0 })), [
      'frequency 0 Hz, expected 45–65 Hz',
      'voltageL1 0 V, voltageL2 0 V, voltageL3 0 V: no phase of a live meter at 50 V or more',
    ]);
    assert.deepEqual(implausibilities(values({ voltageL1: 230, frequency: 400 })), ['frequency 400 Hz, expected 45–65 Hz']);
    assert.deepEqual(implausibilities(values({ voltageL1: 230, frequency: Number.NaN })), ['frequency NaN Hz, expected 45–65 Hz']);
    assert.deepEqual(implausibilities(values({ voltageL1: -230, voltageL2: 230, frequency: 50 })), [
      'voltageL1 -230 V, expected 0–416.4 V']);
    assert.deepEqual(implausibilities(values({ voltageL1: 6553.5, frequency: 50 })), ['voltageL1 6553.5 V, expected 0–416.4 V']);
    assert.deepEqual(implausibilities(values({ voltageL1: 230, voltageL2L3: 1000, frequency: 50 })), [
      'voltageL2L3 1000 V, expected 0–720 V']);
    assert.deepEqual(implausibilities(values({ voltageL1: 230, frequency: 50, activeEnergyImport: -1 })), [
      'activeEnergyImport -1 Wh, expected a register at 0 or more']);
  });

  it('judges only what is there', () => {
    assert.deepEqual(implausibilities(new Map()), []);
    assert.deepEqual(implausibilities(values({ activePower: -5000 })), []);
  });
});
