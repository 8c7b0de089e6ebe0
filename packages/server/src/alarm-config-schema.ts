// The `mdm.alarms` section of the server configuration: alarm thresholds per meter and group, in the
// unit the API, the dashboard and the notifications report each alarm's value in (alarm-units.ts of
// @phasewire/mdm): percent for every ratio (VUF 2 for 2 %, over-voltage 110 for 110 % of Udin), a
// plain number for a power factor, whole intervals for the counts. One unit for one quantity at the
// boundary; the engine works in ratios, so the thresholds and hysteresis of a percent alarm are
// divided by 100 here (toEngineAlarmConfig). Reference: docs/configuration.md.
import { Type, type Static, type TOptional } from 'typebox';
import { childPath } from '@phasewire/core/schema';
import { alarmTypes, alarmUnits, type AlarmConfig, type AlarmOverrides, type AlarmType } from '@phasewire/mdm';

const closed = { additionalProperties: false } as const;

const Threshold = (description: string) => Type.Optional(Type.Union([Type.Number(), Type.Null()], {
  expected: 'a number in the alarm\'s unit, or null for none', description,
}));

/** The fields of one alarm's rule that a layer (defaults, a group, a meter) changes; the rest it inherits. */
export const AlarmRuleSchema = Type.Object({
  enabled: Type.Optional(Type.Boolean({ description: 'whether the alarm is evaluated' })),
  direction: Type.Optional(Type.Enum(['above', 'below'], {
    description: '`above`: a value above a threshold raises; `below`: below it (strict: a value at the threshold is normal)',
  })),
  warn: Threshold('the warn threshold, in the alarm\'s unit (percent for a ratio: 2 for a VUF of 2 %)'),
  critical: Threshold('the critical threshold, in the alarm\'s unit'),
  hysteresis: Type.Optional(Type.Number({
    minimum: 0, description: 'how far back past a threshold the value must go before its level drops, in the alarm\'s unit',
  })),
  raiseAfter: Type.Optional(Type.Integer({ minimum: 1, description: 'evaluations in a row that must call for a higher level' })),
  clearAfter: Type.Optional(Type.Integer({ minimum: 1, description: 'evaluations in a row that must call for a lower level' })),
}, { ...closed, description: 'one alarm\'s rule: only the fields it changes' });

const AlarmOverridesSchema = Type.Object({
  rules: Type.Optional(Type.Object(
    Object.fromEntries(alarmTypes.map((type) => [type, Type.Optional(AlarmRuleSchema)])) as
      Record<AlarmType, TOptional<typeof AlarmRuleSchema>>,
    { ...closed, collapse: true, description: 'alarm type → its rule (the table of rules below)' },
  )),
  lifecycle: Type.Optional(Type.Object({
    escalateAfterMs: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()], {
      expected: 'a positive number of milliseconds, or null for never',
      description: 'a raised alarm nobody acknowledged escalates after this long; null: never by time',
    })),
    reopenWithinMs: Type.Optional(Type.Number({
      minimum: 0, description: 'an alarm raised again within this long of clearing reopens its occurrence',
    })),
  }, { ...closed, description: 'how a raised alarm escalates and reopens (ms)' })),
}, closed);

const Layers = (description: string) => Type.Optional(Type.Record(Type.String({ minLength: 1 }), AlarmOverridesSchema, {
  expected: 'an object of name → { rules, lifecycle }', description,
}));

export const AlarmConfigSchema = Type.Object({
  defaults: Type.Optional({ ...AlarmOverridesSchema, description: 'over the built-in rules, for every meter' }),
  groups: Layers('per alarm group (a meter\'s `groups` in `mdm.meters`, most general first): the same fields as `defaults`'),
  meters: Layers('per meter id: the same fields as `defaults`, over its groups\''),
}, {
  ...closed,
  description: 'alarm thresholds: the built-in defaults of analytics-and-alarms.md, overridden by `defaults`, each group and each '
    + 'meter; ordering and consistency are checked at start (`PW_ERR_ALARM_CONFIG` names the meter and the field)',
});

export type AlarmConfigFile = Static<typeof AlarmConfigSchema>;

/**
 * The smallest threshold, in percent, taken as meant for each alarm whose unit is percent. The
 * configuration took ratios until the thresholds moved to the outputs' unit: an old file's
 * values are at most about 0.1 for a VUF (10 %), 1 for a current ratio (100 %), 1.2 for a voltage
 * over Udin (120 %), so each lies below its floor, while every threshold a site means lies above
 * it (EN 50160 §4.2.5 puts VUF at 2 %; a voltage alarm at 5 % of Udin is no voltage alarm).
 */
export const percentFloors: Readonly<Partial<Record<AlarmType, number>>> = {
  'voltage-unbalance': 0.5, 'current-unbalance': 2, 'neutral-overcurrent': 2, 'phase-loss': 5, 'over-voltage': 5, 'under-voltage': 5,
};

type Fail = (path: string, found: unknown, expected: string) => never;

function ruleToEngine(type: AlarmType, rule: Static<typeof AlarmRuleSchema>, path: string, fail: Fail) {
  if (alarmUnits[type] !== '%') return rule;
  const floor = percentFloors[type] ?? 0;
  for (const key of ['warn', 'critical'] as const) {
    const value = rule[key];
    if (typeof value === 'number' && value < floor) {
      fail(childPath(path, key), value, `a threshold in percent of at least ${floor} (${type} is configured in percent, as the API `
        + `reports it; ${value} looks like the ratio older configurations took: write ${Number((value * 100).toPrecision(12))})`);
    }
  }
  const percent = (value: number | null | undefined) => (typeof value === 'number' ? value / 100 : value);
  const { warn, critical, hysteresis, ...rest } = rule;
  return {
    ...rest,
    ...(warn === undefined ? {} : { warn: percent(warn) ?? null }),
    ...(critical === undefined ? {} : { critical: percent(critical) ?? null }),
    ...(hysteresis === undefined ? {} : { hysteresis: hysteresis / 100 }),
  };
}

function layerToEngine(layer: Static<typeof AlarmOverridesSchema>, path: string, fail: Fail): AlarmOverrides {
  const rules = layer.rules === undefined ? undefined : Object.fromEntries(alarmTypes.flatMap((type) => {
    const rule = layer.rules?.[type];
    return rule === undefined ? [] : [[type, ruleToEngine(type, rule, childPath(childPath(path, 'rules'), type), fail)]];
  }));
  return { ...(rules === undefined ? {} : { rules }), ...(layer.lifecycle === undefined ? {} : { lifecycle: layer.lifecycle }) };
}

const layersToEngine = (layers: Readonly<Record<string, Static<typeof AlarmOverridesSchema>>>, path: string, fail: Fail) =>
  Object.fromEntries(Object.entries(layers).map(([name, layer]) => [name, layerToEngine(layer, childPath(path, name), fail)]));

/** The section as the schema admitted it, with the thresholds of percent alarms in the engine's ratios. */
export function toEngineAlarmConfig(file: AlarmConfigFile, fail: Fail): AlarmConfig {
  const { defaults, groups, meters } = file;
  return {
    ...(defaults === undefined ? {} : { defaults: layerToEngine(defaults, 'mdm.alarms.defaults', fail) }),
    ...(groups === undefined ? {} : { groups: layersToEngine(groups, 'mdm.alarms.groups', fail) }),
    ...(meters === undefined ? {} : { meters: layersToEngine(meters, 'mdm.alarms.meters', fail) }),
  };
}
