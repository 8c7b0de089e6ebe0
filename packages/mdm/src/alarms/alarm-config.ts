// Alarm configuration per meter or group. The rules of a meter are the built-in defaults, overridden
// by the configuration's defaults, then by each group the meter belongs to (in the order of its
// `groups`, most general first), then by the meter's own entry. Each override names only the fields
// it changes. The result is checked: a threshold on the wrong side of another, a negative hysteresis
// or a debounce below one evaluation is a ConfigError naming the meter, the alarm and the field.
import { ConfigError } from '@phasewire/core';
import { alarmTypes, defaultLifecycle, defaultRules, type AlarmType, type LifecyclePolicy, type ThresholdRule } from './alarm-rules.ts';

export interface AlarmOverrides {
  readonly rules?: { readonly [T in AlarmType]?: Partial<ThresholdRule> };
  readonly lifecycle?: Partial<LifecyclePolicy>;
}

export interface AlarmConfig {
  readonly defaults?: AlarmOverrides;
  readonly groups?: Readonly<Record<string, AlarmOverrides>>;
  readonly meters?: Readonly<Record<string, AlarmOverrides>>;
}

export interface AlarmSettings {
  readonly rules: Readonly<Record<AlarmType, ThresholdRule>>;
  readonly lifecycle: LifecyclePolicy;
}

const known: ReadonlySet<string> = new Set(alarmTypes);

/** The settings of one meter, from the configuration and the meter's groups. */
export function resolveAlarmSettings(config: AlarmConfig, meter: string, groups: readonly string[]): AlarmSettings {
  const layers: { readonly name: string; readonly overrides: AlarmOverrides | undefined }[] = [
    { name: 'defaults', overrides: config.defaults },
    ...groups.map((g) => ({ name: `group ${g}`, overrides: config.groups?.[g] })),
    { name: `meter ${meter}`, overrides: config.meters?.[meter] },
  ];
  const rules: Record<AlarmType, ThresholdRule> = { ...defaultRules };
  let lifecycle: LifecyclePolicy = defaultLifecycle;
  for (const { name, overrides } of layers) {
    if (overrides === undefined) continue;
    for (const [type, partial] of Object.entries(overrides.rules ?? {})) {
      if (!known.has(type)) {
        throw new ConfigError('PW_ERR_ALARM_CONFIG', `Cannot configure alarms for meter ${meter}: ${name} names `
          + `alarm ${JSON.stringify(type)}, expected one of ${alarmTypes.join(', ')}`);
      }
      const alarm = type as AlarmType;
      rules[alarm] = { ...rules[alarm], ...partial };
    }
    lifecycle = { ...lifecycle, ...overrides.lifecycle };
  }
  for (const type of alarmTypes) checkRule(meter, type, rules[type]);
  checkLifecycle(meter, lifecycle);
  return { rules, lifecycle };
}

function checkRule(meter: string, type: AlarmType, r: ThresholdRule): void {
  const fail = (field: string, found: unknown, expected: string): never => {
    throw new ConfigError('PW_ERR_ALARM_CONFIG',
      `Cannot configure alarm ${type} for meter ${meter}: ${field} is ${String(found)}, expected ${expected}`);
  };
  // Configuration may come from a file: the type does not prove the value.
  const direction: string = r.direction;
  if (direction !== 'above' && direction !== 'below') fail('direction', direction, "'above' or 'below'");
  if (r.warn !== null && !Number.isFinite(r.warn)) fail('warn', r.warn, 'a finite number or null');
  if (r.critical !== null && !Number.isFinite(r.critical)) fail('critical', r.critical, 'a finite number or null');
  if (r.enabled && r.warn === null && r.critical === null) fail('warn and critical', 'null', 'at least one threshold on an enabled alarm');
  if (r.warn !== null && r.critical !== null) {
    const ordered = r.direction === 'above' ? r.critical >= r.warn : r.critical <= r.warn;
    if (!ordered)
      fail('critical', r.critical,
        `a threshold ${r.direction === 'above' ? 'at or above' : 'at or below'} warn (${r.warn}) for an alarm on values ${r.direction} it`);
  }
  if (!(r.hysteresis >= 0) || !Number.isFinite(r.hysteresis)) fail('hysteresis', r.hysteresis, 'a finite number ≥ 0');
  if (!Number.isInteger(r.raiseAfter) || r.raiseAfter < 1) fail('raiseAfter', r.raiseAfter, 'a whole number of evaluations ≥ 1');
  if (!Number.isInteger(r.clearAfter) || r.clearAfter < 1) fail('clearAfter', r.clearAfter, 'a whole number of evaluations ≥ 1');
}

function checkLifecycle(meter: string, l: LifecyclePolicy): void {
  if (l.escalateAfterMs !== null && !(l.escalateAfterMs > 0)) {
    throw new ConfigError('PW_ERR_ALARM_CONFIG',
      `Cannot configure alarms for meter ${meter}: escalateAfterMs is ${l.escalateAfterMs}, expected a positive number of ms or null`);
  }
  if (!(l.reopenWithinMs >= 0)) {
    throw new ConfigError('PW_ERR_ALARM_CONFIG',
      `Cannot configure alarms for meter ${meter}: reopenWithinMs is ${l.reopenWithinMs}, expected a number of ms ≥ 0`);
  }
}
