import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMeterId, Q, rms, SeededRandom, type ObisCode, type Snapshot } from '@phasewire/core';
import { buildCircuit } from './circuit.ts';
import { ctClassLimits, CurrentTransformer, type CtError } from './current-transformer.ts';
import { createSimulatedMeter, findScenario, type Scenario } from './index.ts';
import { LoadGain } from './load-gain.ts';
import { Timeline } from './timeline.ts';
import { Sampler } from './waveform/sampler.ts';

const minute = Math.PI / (180 * 60);
const start = Date.UTC(2026, 0, 1, 12);
const value = (s: Snapshot, code: ObisCode): number => s.values.get(code) ?? Number.NaN;

describe('CurrentTransformer', () => {
  it('stays within its IEC 61869-2 Table 201 bounds at every load, wider at light load', () => {
    for (const accuracyClass of ['0.2', '0.5', '1'] as const) {
      const limits = ctClassLimits[accuracyClass];
      for (let seed = 0; seed < 50; seed++) {
        const ct = new CurrentTransformer(accuracyClass, 200, 5, new SeededRandom(seed));
        const e: CtError = { ratio: 0, phase: 0 };
        for (const [load, k] of [[0.01, 0], [0.05, 0], [0.2, 1], [1, 2], [1.2, 3], [2, 3]] as const) {
          ct.errorAt(load * 200, e);
          assert.ok(Math.abs(e.ratio) <= limits.ratioPercent[k] / 100 + 1e-15, `class ${accuracyClass} ratio error ${e.ratio} at ${load}`);
          assert.ok(Math.abs(e.phase) <= limits.phaseMinutes[k] * minute + 1e-15, `class ${accuracyClass} phase ${e.phase} at ${load}`);
        }
        const light = ct.errorAt(0.05 * 200, { ratio: 0, phase: 0 });
        const full = ct.errorAt(200, { ratio: 0, phase: 0 });
        assert.ok(Math.abs(light.ratio) >= Math.abs(full.ratio));
      }
    }
  });

  it('interpolates linearly between the table points: class 0.5 at 25 % of rated', () => {
    const ct = new CurrentTransformer('0.5', 200, 5, new SeededRandom(1));
    const e = ct.errorAt(50, { ratio: 0, phase: 0 });
    // Between 20 % (0.75 %, 45') and 100 % (0.5 %, 30'): 1/16 of the way.
    assert.ok(Math.abs(e.ratio - ct.ratioFraction * 0.00734375) < 1e-15);
    assert.ok(Math.abs(e.phase - ct.phaseFraction * 44.0625 * minute) < 1e-15);
  });

  it('draws the same errors from the same seed and other errors from another', () => {
    const draw = (seed: number): number[] => {
      const ct = new CurrentTransformer('1', 100, 5, new SeededRandom(seed));
      return [ct.ratioFraction, ct.phaseFraction];
    };
    assert.deepEqual(draw(9), draw(9));
    assert.notDeepEqual(draw(9), draw(10));
    const ideal = new CurrentTransformer('ideal', 100, 5, new SeededRandom(9));
    assert.deepEqual(ideal.errorAt(50, { ratio: 1, phase: 1 }), { ratio: 0, phase: 0 });
  });
});

describe('a meter behind 200/5 A class 0.5 CTs', () => {
  const scenario: Scenario = {
    ...findScenario('balanced-motor'),
    name: 'ct-50a',
    metering: { ratedCurrent: 200, ct: { primary: 200, secondary: 5, accuracyClass: '0.5' } },
    loads: [{ kind: 'motor', phases: 'all', current: 50, powerFactor: 0.9 }],
  };

  it('puts 1/40 of the primary current on the secondary, with the CT error', () => {
    const random = new SeededRandom(3);
    const ct = new CurrentTransformer('0.5', 200, 5, random);
    const transformers = [ct, ct, ct] as const;
    const circuit = buildCircuit(scenario);
    const sampler = new Sampler({
      circuit, timeline: new Timeline(scenario, start), transformers, gain: new LoadGain(scenario, circuit, undefined),
      samplesPerCycle: 64, cycles: 10, voltageNoise: 0, currentNoise: 0, random,
    });
    sampler.sample(0, 50);
    const e = ct.errorAt(50, { ratio: 0, phase: 0 });
    assert.ok(Math.abs(rms(sampler.window.current[0]) - (50 / 40) * (1 + e.ratio)) < 1e-9);
    assert.ok(Math.abs(rms(sampler.window.voltage[1]) - 230) < 1e-9);
  });

  for (const mode of ['waveform', 'phasor'] as const) {
    it(`reads the current, power and angle off by the CT's ratio error and phase displacement (${mode})`, () => {
      const sim = createSimulatedMeter({ meter: parseMeterId('ct-meter'), scenario, mode, seed: 21, start });
      const s = sim.advanceTo(start + 1000);
      const phi = Math.acos(0.9);
      sim.state().transformers.forEach((ct, p) => {
        assert.equal(ct.ratio, 40);
        // At 50 A, 25 % of rated: 1/16 of the way from the 20 % to the 100 % point of Table 201.
        const epsilon = (ct.ratioFraction * 0.734375) / 100;
        const delta = ct.phaseFraction * 44.0625 * minute;
        assert.ok(epsilon !== 0 && delta !== 0);
        const n = String(p + 1) as '1' | '2' | '3';
        const tolerance = mode === 'phasor' ? 1e-9 : 1e-4;
        const current = value(s, Q[`currentL${n}`]);
        const power = value(s, Q[`activePowerL${n}`]);
        assert.ok(Math.abs(current / (50 * (1 + epsilon)) - 1) < tolerance, `I L${n} ${current}`);
        assert.ok(Math.abs(power / (230 * 50 * (1 + epsilon) * Math.cos(phi - delta)) - 1) < tolerance, `P L${n} ${power}`);
        const angle = value(s, Q[`angleCurrentL${n}`]);
        assert.ok(Math.abs(angle - ((phi - delta) * 180) / Math.PI) < (mode === 'phasor' ? 1e-9 : 1e-3), `angle L${n} ${angle}`);
      });
    });
  }
});
