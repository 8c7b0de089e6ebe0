// The meter package's `developing-imbalance` scenario through the server's analytics, alarms and
// VEE: the sensing layer and the MDM composed, as the CLI composes them. L3 sinks 8 % and L1's load
// grows 80 % over three hours (VUF 0 → 2.7 %), then stays there.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { amperes, hertz, parseMeterId, quantity, Q, volts, vufFromLineMagnitudes, wattHours, type ObisCode, type Snapshot } from '@phasewire/core';
import { createSimulatedMeter } from '@phasewire/meter';
import { AlarmEngine, intervalAnalytics, metricsOf, runVee, type MeterMetadata } from '@phasewire/server';

const start = Date.UTC(2026, 0, 5);
const quarterHour = 900_000;
const hours = 6;
const quantities = [
  'voltageL1', 'voltageL2', 'voltageL3', 'angleVoltageL2', 'angleVoltageL3', 'voltageL1L2', 'voltageL2L3', 'voltageL3L1',
  'currentL1', 'currentL2', 'currentL3', 'angleCurrentL1', 'angleCurrentL2', 'angleCurrentL3', 'currentNeutral', 'powerFactor',
  'activeEnergyImport',
];

const meta: MeterMetadata = {
  meter: parseMeterId('sim-meter-1'),
  intervalMs: quarterHour,
  nominalVoltage: volts(230),
  nominalFrequency: hertz(50),
  ctRatio: 20,
  maxCurrent: amperes(6),
  registerModulus: wattHours(1e10),
  disconnected: [],
  exchanges: [],
  groups: ['motors'],
};

function simulate(): Snapshot[] {
  const meter = createSimulatedMeter({ meter: meta.meter, scenario: 'developing-imbalance', mode: 'phasor', seed: 1, start });
  const wanted = new Set<ObisCode>(quantities.map((key) => quantity(key).obis));
  const snapshots = Array.from({ length: hours * 4 }, (_, k) => {
    const snapshot = meter.advanceTo(start + (k + 1) * quarterHour);
    return { ...snapshot, values: new Map([...snapshot.values].filter(([code]) => wanted.has(code))) };
  });
  return snapshots;
}

/** The first interval k at which `value` has reached `threshold` at k − 1 and k (a debounce of 2). */
function secondInARow(values: readonly number[], threshold: number): number {
  return values.findIndex((v, k) => k > 0 && v >= threshold && (values[k - 1] ?? 0) >= threshold);
}

describe('the developing-imbalance scenario of the simulated meter', () => {
  let snapshots: Snapshot[];
  let vuf: number[];

  before(() => {
    snapshots = simulate();
    vuf = snapshots.map((s) => vufFromLineMagnitudes([s.values.get(Q.voltageL1L2) ?? 0, s.values.get(Q.voltageL2L3) ?? 0, s.values.get(Q.voltageL3L1) ?? 0]).value);
  });

  it('grows the unbalance to about 2.7 % VUF and holds it', () => {
    assert.equal(snapshots.length, hours * 4);
    assert.ok(vuf.every((v, k) => k === 0 || v >= (vuf[k - 1] ?? 0) - 1e-9), 'VUF does not fall while the imbalance develops');
    assert.ok(Math.abs((vuf.at(-1) ?? 0) - 0.027) < 0.002, `final VUF ${vuf.at(-1)}`);
  });

  it('raises the voltage-unbalance alarm at the second interval above 2 % and holds it without flapping', () => {
    const engine = new AlarmEngine();
    const transitions = snapshots.flatMap((s) => engine.evaluate(meta, s.at, metricsOf(intervalAnalytics(s), meta)).map((t) => ({ ...t, k: (s.at - start) / quarterHour - 1 })));
    const unbalance = transitions.filter((t) => t.alarm.type === 'voltage-unbalance');
    assert.deepEqual(unbalance.map((t) => [t.from, t.alarm.state, t.k]), [['normal', 'raised', secondInARow(vuf, 0.02)]]);
    assert.ok(secondInARow(vuf, 0.02) > 0);
  });

  it('escalates at the second interval above the critical threshold of the meter\'s group', () => {
    const engine = new AlarmEngine({ groups: { motors: { rules: { 'voltage-unbalance': { warn: 0.015, critical: 0.025 } } } } });
    const path: string[] = [];
    snapshots.forEach((s, k) => {
      for (const t of engine.evaluate(meta, s.at, metricsOf(intervalAnalytics(s), meta))) {
        if (t.alarm.type === 'voltage-unbalance') path.push(`${t.from}→${t.alarm.state} at ${k}`);
      }
    });
    const raise = secondInARow(vuf, 0.015);
    const escalate = secondInARow(vuf, 0.025);
    assert.ok(raise > 0 && escalate > raise);
    assert.deepEqual(path, [`normal→raised at ${raise}`, `raised→escalated at ${escalate}`]);
  });

  it('validates the energy register of the same run without a finding', () => {
    const reads = [{ at: start, value: 0 }, ...snapshots.map((s) => ({ at: s.at, value: s.values.get(Q.activeEnergyImport) ?? Number.NaN }))];
    const result = runVee({ meta, reads, from: start, to: start + hours * 3_600_000, now: start + hours * 3_600_000 });
    assert.deepEqual(result.findings, []);
    assert.ok(result.intervals.every((i) => i.quality === 'validated'));
    const total = result.intervals.reduce((sum, i) => sum + (i.value ?? 0), 0);
    assert.ok(Math.abs(total - (reads.at(-1)?.value ?? 0)) < 1e-6);
  });
});
