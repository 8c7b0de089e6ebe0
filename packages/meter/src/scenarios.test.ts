import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '@phasewire/core';
import { findScenario, scenarios, type Scenario } from './index.ts';
import { validateScenario } from './scenario.ts';

const required = ['balanced-resistive', 'balanced-motor', 'nonlinear', 'single-phase-l2', 'unbalanced', 'sag', 'swell', 'phase-loss',
  'reversed-ct', 'frequency-drift', 'developing-imbalance', 'imbalance-recovery', 'us-208', 'us-480', 'daily-profile'];

describe('the scenario registry', () => {
  it('holds every scenario the demo and the tests name, each valid and described', () => {
    assert.deepEqual(scenarios.map((s) => s.name).sort(), [...required].sort());
    for (const info of scenarios) {
      const scenario = findScenario(info.name);
      assert.equal(validateScenario(scenario), scenario);
      assert.ok(info.description.length > 20, info.name);
      assert.equal(info.system, scenario.system);
    }
  });

  it('sits the US scenarios on 60 Hz systems with 12-cycle windows', () => {
    assert.equal(findScenario('us-208').system.frequency, 60);
    assert.equal(findScenario('us-480').system.windowCycles, 12);
    assert.equal(findScenario('balanced-motor').system.windowCycles, 10);
    assert.ok(Math.abs(findScenario('us-480').system.lineVoltage - 480) < 0.5);
  });

  it('answers an unknown name with PW_ERR_UNKNOWN_SCENARIO and the list of known names', () => {
    assert.throws(() => findScenario('balanced'), (e: unknown) => hasCode(e, 'PW_ERR_UNKNOWN_SCENARIO')
      && required.every((name) => e.message.includes(name)) && e.message.includes('"balanced"'));
  });
});

describe('validateScenario', () => {
  const base = findScenario('balanced-motor');
  const cases: readonly [string, Scenario, RegExp][] = [
    ['no loads', { ...base, loads: [] }, /loads is \[\]/],
    ['a sag deeper than 100 %', { ...base, events: [{ kind: 'sag', phases: ['L1'], depth: 1.5, start: 0, duration: 1000 }] },
      /events\[0\]\.depth is 1\.5/],
    ['a harmonic of order 41', { ...base, supply: { harmonics: [{ order: 41, magnitude: 0.01, angleDeg: 0 }] } }, /order is 41/],
    ['a rise longer than half the event', { ...base, events: [{ kind: 'frequency-drift', deltaHz: 0.1, start: 0, duration: 1000, rise:
      600 }] }, /rise is 600/],
    ['a period shorter than the event', { ...base, events: [{ kind: 'phase-loss', phase: 'L1', start: 0, duration: 1000, every: 500 }] },
      /every is 500/],
    ['a ramped CT reversal', { ...base, events: [{ kind: 'reversed-ct', phase: 'L1', start: 0, duration: 1000, rise: 100 }] },
      /rise is 100/],
    ['a profile of 12 hours', { ...base, profile: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1] }, /profile is 12 values/],
    ['a negative rated current', { ...base, metering: { ratedCurrent: -1 } }, /ratedCurrent is -1/],
    ['a sag on no phase', { ...base, events: [{ kind: 'sag', phases: [], depth: 0.1, start: 0, duration: 1000 }] },
      /events\[0\]\.phases is \[\]/],
    ['a 400 Hz system', { ...base, system: { ...base.system, frequency: 400 as typeof base.system.frequency } },
      /system\.frequency is 400/],
  ];
  for (const [what, scenario, message] of cases) {
    it(`refuses ${what} with PW_ERR_INVALID_SCENARIO`, () => {
      assert.throws(() => validateScenario(scenario), (e: unknown) => hasCode(e, 'PW_ERR_INVALID_SCENARIO') && message.test(e.message));
    });
  }
});
