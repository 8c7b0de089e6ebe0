import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '@phasewire/core';
import { calledLevel, evaluate, initialEvaluatorState, type EvaluatorState } from './threshold-evaluator.ts';
import { defaultRules, type AlarmLevel, type ThresholdRule } from './alarm-rules.ts';

const vufRule = defaultRules['voltage-unbalance'];
const run = (values: readonly (number | null)[], rule: ThresholdRule): AlarmLevel[] => {
  let state: EvaluatorState = initialEvaluatorState;
  return values.map((v) => (state = evaluate(state, v, rule)).level);
};
const changes = (levels: readonly AlarmLevel[]): number => levels.filter((l, i) => l !== (levels[i - 1] ?? 'normal')).length;

describe('hysteresis', () => {
  it('enters warn above the threshold, not at it, and holds it until the value is the hysteresis below', () => {
    assert.equal(calledLevel(0.02, 'normal', vufRule), 'normal', 'a VUF of exactly 2 % meets EN 50160 (≤ 2 %)');
    assert.equal(calledLevel(0.0201, 'normal', vufRule), 'warn');
    assert.equal(calledLevel(0.0199, 'normal', vufRule), 'normal');
    assert.equal(calledLevel(0.0185, 'warn', vufRule), 'warn');
    assert.equal(calledLevel(0.0179, 'warn', vufRule), 'normal');
    assert.equal(calledLevel(0.029, 'critical', vufRule), 'critical');
    assert.equal(calledLevel(0.027, 'critical', vufRule), 'warn');
  });

  it('mirrors for alarms on low values: below 0.90 warns, 0.90 does not', () => {
    const pf = defaultRules['low-power-factor'];
    assert.equal(calledLevel(0.9, 'normal', pf), 'normal');
    assert.equal(calledLevel(0.8999, 'normal', pf), 'warn');
    assert.equal(calledLevel(0.91, 'warn', pf), 'warn');
    assert.equal(calledLevel(0.93, 'warn', pf), 'normal');
    assert.equal(calledLevel(0.8, 'normal', pf), 'warn');
    assert.equal(calledLevel(0.79, 'normal', pf), 'critical');
  });

  it('counts whole intervals: silent for four intervals (an hour) warns, three do not; one VEE failure warns', () => {
    assert.equal(calledLevel(3, 'normal', defaultRules['meter-silent']), 'normal');
    assert.equal(calledLevel(4, 'normal', defaultRules['meter-silent']), 'warn');
    assert.equal(calledLevel(96, 'normal', defaultRules['meter-silent']), 'critical');
    assert.equal(calledLevel(0, 'normal', defaultRules['vee-failure']), 'normal');
    assert.equal(calledLevel(1, 'normal', defaultRules['vee-failure']), 'warn');
    assert.equal(calledLevel(8, 'normal', defaultRules['vee-failure']), 'critical');
  });
});

describe('debounce', () => {
  it('raises only after two evaluations in a row call for it, and to the lowest level they called', () => {
    assert.deepEqual(run([0.021, 0.01, 0.021, 0.035, 0.035], vufRule), ['normal', 'normal', 'normal', 'warn', 'critical']);
  });

  it('ignores missing values', () => {
    assert.deepEqual(run([0.025, null, 0.025, null, 0.01, 0.01], vufRule), ['normal', 'normal', 'warn', 'warn', 'warn', 'normal']);
  });
});

describe('a seeded noisy VUF around the 2 % threshold', () => {
  const random = new SeededRandom(2024);
  // 2.05 % ± 0.15 %: about two values in three are above 2 %, none below the 1.8 % release point.
  const noisy = Array.from({ length: 500 }, () => 0.0205 + random.between(-0.0015, 0.0015));

  it('would flap dozens of times without hysteresis and debounce', () => {
    const bare = { ...vufRule, hysteresis: 0, raiseAfter: 1, clearAfter: 1 };
    assert.ok(changes(run(noisy, bare)) > 50, `only ${changes(run(noisy, bare))} level changes`);
  });

  it('raises once and stays raised with the defaults', () => {
    const levels = run(noisy, vufRule);
    assert.equal(changes(levels), 1);
    assert.equal(levels.at(-1), 'warn');
  });
});
