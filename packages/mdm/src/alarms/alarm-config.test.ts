import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@phasewire/core';
import { resolveAlarmSettings, type AlarmConfig } from './alarm-config.ts';
import { defaultLifecycle, defaultRules } from './alarm-rules.ts';

const config: AlarmConfig = {
  defaults: { rules: { 'voltage-unbalance': { raiseAfter: 3 } } },
  groups: {
    industrial: { rules: { 'voltage-unbalance': { warn: 0.015, critical: 0.025 }, 'low-power-factor': { warn: 0.85 } } },
    'feeder-7': { rules: { 'voltage-unbalance': { critical: 0.028 } }, lifecycle: { escalateAfterMs: 600_000 } },
  },
  meters: { 'meter-0042': { rules: { 'voltage-unbalance': { hysteresis: 0.001 } } } },
};

describe('alarm settings per meter and group', () => {
  it('uses the built-in defaults for a meter nobody configured', () => {
    const settings = resolveAlarmSettings({}, 'meter-0001', []);
    assert.deepEqual(settings.rules, defaultRules);
    assert.deepEqual(settings.lifecycle, defaultLifecycle);
    assert.deepEqual([settings.rules['voltage-unbalance'].warn, settings.rules['voltage-unbalance'].critical], [0.02, 0.03]);
  });

  it('layers defaults, then groups in order, then the meter', () => {
    const settings = resolveAlarmSettings(config, 'meter-0042', ['industrial', 'feeder-7']);
    assert.deepEqual(settings.rules['voltage-unbalance'],
      { ...defaultRules['voltage-unbalance'], raiseAfter: 3, warn: 0.015, critical: 0.028, hysteresis: 0.001 });
    assert.equal(settings.rules['low-power-factor'].warn, 0.85);
    assert.equal(settings.lifecycle.escalateAfterMs, 600_000);
  });

  it('refuses a critical threshold on the wrong side of warn', () => {
    const bad: AlarmConfig = { meters: { 'meter-0001': { rules: { 'voltage-unbalance': { critical: 0.01 } } } } };
    assert.throws(() => resolveAlarmSettings(bad, 'meter-0001', []), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, 'PW_ERR_ALARM_CONFIG');
      assert.match(error.message,
        /alarm voltage-unbalance for meter meter-0001: critical is 0.01, expected a threshold at or above warn \(0.02\)/);
      return true;
    });
  });

  it('refuses an unknown alarm, a negative hysteresis and a debounce of zero', () => {
    assert.throws(() => resolveAlarmSettings({ defaults: { rules: { 'phase-swap': {} } as never } }, 'meter-0001', []),
      { code: 'PW_ERR_ALARM_CONFIG' });
    assert.throws(() => resolveAlarmSettings({ defaults: { rules: { 'over-voltage': { hysteresis: -1 } } } }, 'meter-0001', []),
      { code: 'PW_ERR_ALARM_CONFIG' });
    assert.throws(() => resolveAlarmSettings({ defaults: { rules: { 'over-voltage': { clearAfter: 0 } } } }, 'meter-0001', []),
      { code: 'PW_ERR_ALARM_CONFIG' });
    assert.throws(() => resolveAlarmSettings({ defaults: { lifecycle: { escalateAfterMs: 0 } } }, 'meter-0001', []),
      { code: 'PW_ERR_ALARM_CONFIG' });
  });
});
