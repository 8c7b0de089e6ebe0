// The alarm engine: for each meter and alarm type, a threshold evaluator (hysteresis, debounce) and
// a lifecycle (lifecycle/alarm-lifecycle.ts). Evaluations, acknowledgements and ticks go in, with
// their times; transitions come out, for the notifiers. The engine keeps its state in memory and can
// hand it over (`state()`, `AlarmEngine.restore`) for the store to persist.
import type { MeterId } from '@phasewire/core';
import type { MeterMetadata } from '../types.ts';
import { resolveAlarmSettings, type AlarmConfig, type AlarmSettings } from './alarm-config.ts';
import { alarmTypes, type AlarmType } from './alarm-rules.ts';
import type { AlarmMetrics } from './alarm-metrics.ts';
import { evaluate, initialEvaluatorState, type EvaluatorState } from './threshold-evaluator.ts';
import { newAlarm, stepAlarm, type Alarm, type AlarmTransition, type Step } from './lifecycle/alarm-lifecycle.ts';

export interface AlarmSlot {
  readonly evaluator: EvaluatorState;
  readonly alarm: Alarm;
  /**
   * The highest occurrence number given out, when late intervals recorded occurrences of their own
   * past `alarm.occurrence` (late-intervals.ts): the next raise takes a number above it, so ids stay unique.
   */
  readonly issued?: number;
}

export interface AlarmEngineState {
  readonly slots: readonly AlarmSlot[];
}

interface MeterEntry {
  readonly settings: AlarmSettings;
  readonly groups: readonly string[];
}

const key = (meter: MeterId, type: AlarmType): string => `${meter}\u0000${type}`;

export class AlarmEngine {
  readonly #config: AlarmConfig;
  readonly #slots = new Map<string, AlarmSlot>();
  readonly #meters = new Map<string, MeterEntry>();

  constructor(config: AlarmConfig = {}) {
    this.#config = config;
  }

  static restore(config: AlarmConfig, state: AlarmEngineState): AlarmEngine {
    const engine = new AlarmEngine(config);
    for (const slot of state.slots) engine.#slots.set(key(slot.alarm.meter, slot.alarm.type), slot);
    return engine;
  }

  state(): AlarmEngineState {
    return { slots: [...this.#slots.values()] };
  }

  /** The settings the engine uses for a meter (resolved once per meter and group list). */
  settingsFor(meta: Pick<MeterMetadata, 'meter' | 'groups'>): AlarmSettings {
    const entry = this.#meters.get(meta.meter);
    if (entry !== undefined && entry.groups.join('\u0000') === meta.groups.join('\u0000')) return entry.settings;
    const settings = resolveAlarmSettings(this.#config, meta.meter, meta.groups);
    this.#meters.set(meta.meter, { settings, groups: [...meta.groups] });
    return settings;
  }

  /** Evaluates the values of one meter at one time; types absent from `metrics` are not touched. */
  evaluate(meta: Pick<MeterMetadata, 'meter' | 'groups'>, at: number, metrics: AlarmMetrics): AlarmTransition[] {
    const settings = this.settingsFor(meta);
    const transitions: AlarmTransition[] = [];
    for (const type of alarmTypes) {
      if (!(type in metrics)) continue;
      const value = metrics[type] ?? null;
      const rule = settings.rules[type];
      const slot = this.#slot(meta.meter, type);
      const evaluator = evaluate(slot.evaluator, value, rule);
      const step = value === null
        ? { alarm: slot.alarm, transition: null }
        : stepAlarm(slot.alarm, { kind: 'level', at, level: evaluator.level, value, direction: rule.direction }, settings.lifecycle);
      const numbered = renumbered(step, slot);
      const timed = stepAlarm(numbered.alarm, { kind: 'tick', at }, settings.lifecycle);
      this.#slots.set(key(meta.meter, type), withIssued({ evaluator, alarm: timed.alarm }, slot.issued));
      if (numbered.transition !== null) transitions.push(numbered.transition);
      if (timed.transition !== null) transitions.push(timed.transition);
    }
    return transitions;
  }

  /** The highest occurrence number of a meter's alarm so far (0 before the first). */
  lastOccurrence(meter: MeterId, type: AlarmType): number {
    const slot = this.#slot(meter, type);
    return Math.max(slot.alarm.occurrence, slot.issued ?? 0);
  }

  /** Records that occurrence numbers up to `occurrence` are taken (by late intervals' own occurrences). */
  issue(meter: MeterId, type: AlarmType, occurrence: number): void {
    if (occurrence <= this.lastOccurrence(meter, type)) return;
    const slot = this.#slot(meter, type);
    this.#slots.set(key(meter, type), { ...slot, issued: occurrence });
  }

  acknowledge(meta: Pick<MeterMetadata, 'meter' | 'groups'>, type: AlarmType, at: number, actor: string, note: string): AlarmTransition {
    const slot = this.#slot(meta.meter, type);
    const step = stepAlarm(slot.alarm, { kind: 'acknowledge', at, actor, note }, this.settingsFor(meta).lifecycle);
    this.#slots.set(key(meta.meter, type), { ...slot, alarm: step.alarm });
    return step.transition as AlarmTransition;
  }

  /** Escalates alarms raised and unacknowledged for too long, for meters that sent nothing since. */
  tick(metas: readonly Pick<MeterMetadata, 'meter' | 'groups'>[], at: number): AlarmTransition[] {
    const transitions: AlarmTransition[] = [];
    for (const meta of metas) {
      const lifecycle = this.settingsFor(meta).lifecycle;
      for (const type of alarmTypes) {
        const slot = this.#slots.get(key(meta.meter, type));
        if (slot === undefined) continue;
        const step = stepAlarm(slot.alarm, { kind: 'tick', at }, lifecycle);
        if (step.transition === null) continue;
        this.#slots.set(key(meta.meter, type), { ...slot, alarm: step.alarm });
        transitions.push(step.transition);
      }
    }
    return transitions;
  }

  alarm(meter: MeterId, type: AlarmType): Alarm {
    return this.#slot(meter, type).alarm;
  }

  /** Alarms that are raised, escalated or acknowledged. */
  active(): Alarm[] {
    return [...this.#slots.values()].map((s) => s.alarm)
      .filter((a) => a.state === 'raised' || a.state === 'escalated' || a.state === 'acknowledged');
  }

  #slot(meter: MeterId, type: AlarmType): AlarmSlot {
    return this.#slots.get(key(meter, type)) ?? { evaluator: initialEvaluatorState, alarm: newAlarm(meter, type) };
  }
}

/** A new occurrence takes the number after any that late intervals took (`issued`). */
function renumbered(step: Step, slot: AlarmSlot): Step {
  const issued = slot.issued ?? 0;
  if (step.transition === null || step.alarm.occurrence === slot.alarm.occurrence || step.alarm.occurrence > issued) return step;
  const alarm = { ...step.alarm, occurrence: issued + 1 };
  return { alarm, transition: { ...step.transition, alarm } };
}

/** The slot, carrying `issued` only while it is ahead of the alarm's own number. */
function withIssued(slot: AlarmSlot, issued: number | undefined): AlarmSlot {
  return issued !== undefined && issued > slot.alarm.occurrence ? { ...slot, issued } : slot;
}
