import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMeterId, Q } from '@phasewire/core';
import { createSimulatedMeter } from './simulated-meter.ts';
import { LoadRelay } from './load-relay.ts';

const start = Date.UTC(2026, 0, 1);
const minute = 60_000;

describe('load relay', () => {
  it('zeroes currents and powers while open, keeps the voltages, and holds the energy registers still', () => {
    const meter = createSimulatedMeter({ meter: parseMeterId('relay-1'), scenario: 'balanced-resistive', mode: 'phasor', seed: 1, start });
    const relay = new LoadRelay();
    const before = relay.apply(meter.advanceTo(start + minute));
    relay.open();
    const open1 = relay.apply(meter.advanceTo(start + 2 * minute));
    const open2 = relay.apply(meter.advanceTo(start + 3 * minute));
    for (const code of [Q.currentL1, Q.currentL2, Q.currentL3, Q.activePower, Q.apparentPower, Q.activePowerL2]) assert.equal(open2.values
      .get(code), 0);
    assert.equal(open2.values.has(Q.powerFactor), false, 'no power factor without current');
    assert.ok(Math.abs((open2.values.get(Q.voltageL1) ?? 0) - (before.values.get(Q.voltageL1) ?? 0)) < 1);
    assert.equal(open1.values.get(Q.activeEnergyImport), before.values.get(Q.activeEnergyImport));
    assert.equal(open2.values.get(Q.activeEnergyImport), before.values.get(Q.activeEnergyImport));

    relay.close();
    const after = relay.apply(meter.advanceTo(start + 4 * minute));
    assert.ok((after.values.get(Q.currentL1) ?? 0) > 1);
    const drawn = (after.values.get(Q.activeEnergyImport) ?? 0) - (before.values.get(Q.activeEnergyImport) ?? 0);
    const perMinute = before.values.get(Q.activeEnergyImport) ?? 0;
    assert.ok(Math.abs(drawn - perMinute) < perMinute * 0.01, `one minute of energy after closing, not three (${drawn} vs ${perMinute})`);
  });
});
