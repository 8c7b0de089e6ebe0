import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '@phasewire/core';
import { defaultRules, type AlarmType } from '@phasewire/mdm';
import { parseServerConfig } from './server-config.ts';

const alarmsOf = (alarms: unknown) => parseServerConfig({ mdm: { alarms } }).mdm.alarms;

const refused = (alarms: unknown, message: string) => {
  assert.throws(() => alarmsOf(alarms), (error: unknown) => {
    assert.ok(hasCode(error, 'PW_ERR_SERVER_CONFIG'), String(error));
    assert.equal((error as Error).message, `Cannot use the server configuration: ${message}`);
    return true;
  });
};

test('thresholds of ratio alarms are written in percent, as the API reports them, and reach the engine as ratios', () => {
  assert.deepEqual(alarmsOf({
    defaults: { rules: { 'voltage-unbalance': { warn: 1.5, critical: 2.5, hysteresis: 0.2 }, 'low-power-factor': { warn: 0.92 } } },
    groups: {
      'feeder-7': {
        rules: { 'over-voltage': { warn: 108, critical: null }, 'meter-silent': { warn: 7 } }, lifecycle: { escalateAfterMs: null },
      },
    },
    meters: { 'meter-0042': { rules: { 'neutral-overcurrent': { enabled: false }, 'phase-loss': { critical: 40, raiseAfter: 2 } } } },
  }), {
    defaults: { rules: { 'voltage-unbalance': { warn: 0.015, critical: 0.025, hysteresis: 0.002 }, 'low-power-factor': { warn: 0.92 } } },
    groups: {
      'feeder-7': {
        rules: { 'over-voltage': { warn: 1.08, critical: null }, 'meter-silent': { warn: 7 } }, lifecycle: { escalateAfterMs: null },
      },
    },
    meters: { 'meter-0042': { rules: { 'neutral-overcurrent': { enabled: false }, 'phase-loss': { critical: 0.4, raiseAfter: 2 } } } },
  });
  assert.deepEqual(alarmsOf({}), {});
});

test('the built-in defaults, written in percent, give the engine its own defaults', () => {
  const percent = {
    'voltage-unbalance': [2, 3, 0.2], 'over-voltage': [110, 115, 2], 'under-voltage': [90, 85, 2], 'current-unbalance': [20, 40, 2],
  } as const;
  const rules = Object.fromEntries(Object.entries(percent)
    .map(([type, [warn, critical, hysteresis]]) => [type, { warn, critical, hysteresis }]));
  const engine = alarmsOf({ defaults: { rules } }).defaults?.rules ?? {};
  for (const type of Object.keys(percent) as (keyof typeof percent)[]) {
    const { warn, critical, hysteresis } = defaultRules[type];
    assert.deepEqual(engine[type], { warn, critical, hysteresis }, type);
  }
});

test('a threshold that looks like the ratio older configurations took is refused with the percent to write', () => {
  refused({ defaults: { rules: { 'voltage-unbalance': { warn: 0.02 } } } },
    'field mdm.alarms.defaults.rules["voltage-unbalance"].warn is 0.02, expected a threshold in percent of at least 0.5 (voltage-unbalance '
    + 'is configured in percent, as the API reports it; 0.02 looks like the ratio older configurations took: write 2)');
  refused({ groups: { motors: { rules: { 'over-voltage': { warn: 110, critical: 1.15 } } } } },
    'field mdm.alarms.groups.motors.rules["over-voltage"].critical is 1.15, expected a threshold in percent of at least 5 (over-voltage '
    + 'is configured in percent, as the API reports it; 1.15 looks like the ratio older configurations took: write 115)');
  assert.throws(() => alarmsOf({ meters: { 'meter-0001': { rules: { 'neutral-overcurrent': { critical: 0.8 } } } } }),
    /meters\["meter-0001"\]\.rules\["neutral-overcurrent"\]\.critical is 0\.8.*write 80\)/);
  // At the floor a value is taken as percent; a power factor and the counts have no percent to confuse.
  const ruleOf = (type: AlarmType, rule: object) => alarmsOf({ defaults: { rules: { [type]: rule } } }).defaults?.rules?.[type];
  assert.deepEqual(ruleOf('voltage-unbalance', { warn: 0.5 }), { warn: 0.005 });
  assert.deepEqual(ruleOf('low-power-factor', { critical: 0.3 }), { critical: 0.3 });
  assert.deepEqual(ruleOf('vee-failure', { warn: 0 }), { warn: 0 });
});

test('an unknown alarm, rule field or layer, and a value of the wrong kind, are refused with the field named', () => {
  refused({ defaults: { rules: { 'voltage-unbalanc': { warn: 2 } } } },
    'field mdm.alarms.defaults.rules["voltage-unbalanc"] is {"warn":2}, expected no such field (allowed: voltage-unbalance, '
    + 'current-unbalance, phase-loss, over-voltage, under-voltage, low-power-factor, neutral-overcurrent, meter-silent, vee-failure)');
  refused({ groups: { motors: { rules: { 'phase-loss': { wran: 40 } } } } },
    'field mdm.alarms.groups.motors.rules["phase-loss"].wran is 40, expected no such field '
    + '(allowed: enabled, direction, warn, critical, hysteresis, raiseAfter, clearAfter)');
  refused({ default: {} }, 'field mdm.alarms.default is {}, expected no such field (allowed: defaults, groups, meters)');
  refused({ defaults: { rules: { 'phase-loss': { raiseAfter: 0 } } } },
    'field mdm.alarms.defaults.rules["phase-loss"].raiseAfter is 0, expected a whole number of at least 1');
  refused({ defaults: { rules: { 'phase-loss': { direction: 'up' } } } },
    'field mdm.alarms.defaults.rules["phase-loss"].direction is "up", expected one of above, below');
  refused({ defaults: { rules: { 'phase-loss': { warn: '40' } } } },
    'field mdm.alarms.defaults.rules["phase-loss"].warn is "40", expected a number in the alarm\'s unit, or null for none');
  refused({ meters: { m: { lifecycle: { escalateAfterMs: 0 } } } },
    'field mdm.alarms.meters.m.lifecycle.escalateAfterMs is 0, expected a positive number of milliseconds, or null for never');
  refused({ groups: [] }, 'field mdm.alarms.groups is [], expected an object of name → { rules, lifecycle }');
});
