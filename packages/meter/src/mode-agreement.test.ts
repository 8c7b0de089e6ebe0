// Waveform mode (sampled signals through the metrology engine) and phasor mode (closed form) must
// agree on every catalogue quantity. They share the scenario, the CT errors (same seed) and the
// aggregation; what separates them is the sampling noise of waveform mode, σ = 1e-4 of nominal
// voltage and of rated current per sample, and so the tolerances below are multiples of what that
// noise does over a 1 s interval of 5 windows (N = 640 samples per window at 64 samples per cycle):
//
//   RMS and power: relative fluctuation ≈ σ·(rated/actual)/√(N/2·5) ≈ 1e-5 at rated load; the bias
//     σ²/2 is 5e-9. Tolerance 1e-4 relative plus 1e-4 of the rated value (for quantities near 0,
//     such as the reactive power of a resistive load, where only the noise is left).
//   Voltages: 2e-5 relative (the voltage channels sit at nominal, 10× below the tolerance).
//   While the frequency ramps (0.03 Hz/s), the sampler's lock lags one window behind, so a window
//     spans 10 cycles ± 1.2e-3 cycle; that leaks up to 1.2e-4 of the mean square, 6e-5 of an RMS
//     value: 1e-4 relative for the voltages then, and 5e-4 more for THD, into whose bins the
//     fundamental leaks by about that mismatch spread over the cycles (the tolerances of the other
//     quantities already cover it).
//   THD: noise in the 30 harmonic bins adds σ·√(2·30/N) ≈ 3.1e-5 of full scale in quadrature, a
//     bias that averaging does not remove; tolerance 1e-4 × full scale / actual, plus 1e-4 relative.
//   Neutral current: the noise of three channels, √3·σ·rated, adds in quadrature: 3e-4 × rated.
//   Angles: the fundamental phasors' noise is ≈ σ/√(N/2) rad ≈ 1e-6 rad; 0.01° is 170× that
//     and still 50× below the 30' phase displacement of a class 0.5 CT, which must agree.
//   Frequency: zero crossings jitter by σ/(2πf) per crossing, 3e-7 s: 1e-3 Hz is far above it.
//     During a frequency ramp the windows of waveform mode sit up to one window (200 ms) off the
//     interval, so the mean frequency can differ by the ramp rate × 0.2 s (0.006 Hz here): 0.01 Hz.
//   Registers and demand: the integrals of the powers, 1e-4 relative plus 1e-4 of rated energy.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { catalogue, parseMeterId, type QuantityDefinition, type Snapshot } from '@phasewire/core';
import { createSimulatedMeter, findScenario, voltageUnbalance } from './index.ts';

const meter = parseMeterId('agreement-1');
const start = Date.UTC(2026, 0, 1, 12);

function tolerance(q: QuantityDefinition, scenarioName: string, phasor: Snapshot, expected: number): number {
  const scenario = findScenario(scenarioName);
  const rated = scenario.metering.ratedCurrent;
  const nominal = scenario.system.phaseVoltage;
  const power = nominal * rated;
  const hours = (phasor.at - start) / 3_600_000;
  const current = (key: string): number => phasor.values.get(catalogue.find((c) => c.key === key)?.obis ?? catalogue[0]!.obis) ?? 0;
  switch (q.unit) {
    case 'V': return (scenarioName === 'frequency-drift' ? 1e-4 : 2e-5) * Math.abs(expected) + 1e-5 * nominal;
    case 'A': return q.key === 'currentNeutral' ? 1e-4 * expected + 3e-4 * rated : 1e-4 * Math.abs(expected) + 1e-4 * rated;
    case 'W': case 'var': case 'VA': return 1e-4 * Math.abs(expected) + 1e-4 * 3 * power;
    case 'Wh': case 'varh': return 1e-4 * Math.abs(expected) + 1e-4 * 3 * power * hours;
    case 'deg': return 0.01;
    case 'Hz': return scenarioName === 'frequency-drift' ? 0.01 : 1e-3;
    case '1': {
      const leak = scenarioName === 'frequency-drift' ? 5e-4 : 0;
      if (q.key.startsWith('voltageThd')) return 1e-4 * expected + 1e-4 + leak;
      if (q.key.startsWith('currentThd')) {
        const i = current(`current${q.key.slice(-2)}`);
        return 1e-4 * expected + (i > 0 ? (1e-4 * rated) / i : 0) + leak;
      }
      return 1e-4;
    }
  }
}

function compare(scenario: string, seconds: number): void {
  const waveform = createSimulatedMeter({ meter, scenario, mode: 'waveform', seed: 11, start });
  const phasor = createSimulatedMeter({ meter, scenario, mode: 'phasor', seed: 11, start });
  for (let t = 1000; t <= seconds * 1000; t += 1000) {
    const w = waveform.advanceTo(start + t);
    const p = phasor.advanceTo(start + t);
    for (const q of catalogue) {
      // A quantity undefined for the interval (the power factor of a phase without current) is absent in both.
      assert.equal(w.values.has(q.obis), p.values.has(q.obis), `${scenario} at ${t / 1000} s, ${q.key}: present in one mode only`);
      if (!p.values.has(q.obis)) continue;
      const a = w.values.get(q.obis) ?? Number.NaN;
      const b = p.values.get(q.obis) ?? Number.NaN;
      const tol = tolerance(q, scenario, p, b);
      assert.ok(Math.abs(a - b) <= tol, `${scenario} at ${t / 1000} s, ${q.key}: waveform ${a}, phasor ${b}, tolerance ${tol}`);
    }
  }
}

describe('waveform and phasor modes', () => {
  // 32 s covers each scenario's first event: the sag and swell at 20–25 s, the frequency ramp
  // from 10 s and its hold from 20 s, the phase loss from 30 s.
  for (const scenario of ['balanced-resistive', 'balanced-motor', 'nonlinear', 'single-phase-l2', 'unbalanced', 'sag', 'swell',
    'phase-loss', 'reversed-ct', 'frequency-drift', 'developing-imbalance', 'us-208', 'us-480', 'daily-profile']) {
    it(`agree on every catalogue quantity for ${scenario}`, () => { compare(scenario, 32); });
  }

  it('give the same LVUR, PVUR and VUF for an unbalanced supply, and the values the supply was built with', () => {
    // The figures are ratios of voltages that agree to 2e-5 relative; a ratio of 2.6 % moves by
    // at most 2 × 2e-5 of the voltages over their differences: 1e-5 absolute is the bound.
    const waveform = createSimulatedMeter({ meter, scenario: 'unbalanced', mode: 'waveform', seed: 5, start });
    const phasor = createSimulatedMeter({ meter, scenario: 'unbalanced', mode: 'phasor', seed: 5, start });
    const w = voltageUnbalance(waveform.advanceTo(start + 3000));
    const p = voltageUnbalance(phasor.advanceTo(start + 3000));
    for (const key of ['lvur', 'pvur', 'vuf', 'vufFromLines'] as const) {
      assert.ok(Math.abs(w[key].value - p[key].value) <= 1e-5, `${key}: waveform ${w[key].value}, phasor ${p[key].value}`);
    }
    // Supply: magnitudes 1, 0.96, 1.015 and angles 0°, −122°, 121.5° (computed independently).
    assert.ok(Math.abs(p.vuf.value - 0.0264595) < 1e-6, `VUF ${p.vuf.value}`);
    assert.ok(Math.abs(p.lvur.value - 0.0237047) < 1e-6, `LVUR ${p.lvur.value}`);
    assert.ok(Math.abs(p.pvur.value - 0.0319328) < 1e-6, `PVUR ${p.pvur.value}`);
    assert.ok(Math.abs(p.vufFromLines.value - p.vuf.value) < 1e-9, 'the exact line-magnitude form equals the phasor form');
  });
});
