// Alarms on intervals whose data arrived after later intervals had been judged (a meter backfilling
// after an outage, or a message overtaken by a newer one). The live engine has moved on: its state
// is what the newest data says and stays so. The late intervals are judged apart, in time order, by
// an engine of their own that starts from normal, and what they show is recorded with the times it
// happened:
//
// - an occurrence that starts and ends inside the late intervals is raised (escalated) and cleared
//   at its intervals' times;
// - one still open at the last late interval ends at `resumeAt`, the first interval after them that
//   was already judged: from there on the live state, judged on that newer data, is the record;
// - an alarm type whose known occurrence spans the late intervals (`covered`) is left alone: the
//   late values fall inside an occurrence already recorded and do not split it.
//
// Occurrence numbers come after the meter's highest so far, and the live engine is told they are
// taken (`AlarmEngine.issue`), so ids stay unique and the next live raise numbers past them.
import type { MeterMetadata } from '../types.ts';
import { AlarmEngine, type AlarmSlot } from './alarm-engine.ts';
import type { AlarmConfig } from './alarm-config.ts';
import type { AlarmMetrics } from './alarm-metrics.ts';
import { alarmTypes, type AlarmType } from './alarm-rules.ts';
import { initialEvaluatorState } from './threshold-evaluator.ts';
import { newAlarm, type AlarmTransition } from './lifecycle/alarm-lifecycle.ts';

/** One run of consecutive late intervals of a meter. */
export interface LateSegment {
  /** The late intervals' values, in time order (interval end, metrics of its analytics). */
  readonly intervals: readonly { readonly at: number; readonly metrics: AlarmMetrics }[];
  /** The first interval end after the segment that was judged before: an occurrence still open ends there. */
  readonly resumeAt: number;
  /** Alarm types whose recorded occurrence spans the segment. */
  readonly covered: ReadonlySet<AlarmType>;
}

/** The alarm types an interval's analytics feed (not silence or VEE failures, which are judged at the run's time). */
export const intervalAlarmTypes: readonly AlarmType[] = alarmTypes.filter((t) => t !== 'meter-silent' && t !== 'vee-failure');

const isActive = (state: string): boolean => state === 'raised' || state === 'escalated' || state === 'acknowledged';

/**
 * Judges one segment of late intervals of one meter; returns the transitions to record, in time
 * order, and marks their occurrence numbers taken in `live` (whose alarms are otherwise untouched).
 */
export function judgeLateSegment(
  live: AlarmEngine,
  config: AlarmConfig,
  meta: Pick<MeterMetadata, 'meter' | 'groups'>,
  segment: LateSegment,
): AlarmTransition[] {
  const judged = intervalAlarmTypes.filter((t) => !segment.covered.has(t));
  if (judged.length === 0 || segment.intervals.length === 0) return [];
  const slots: AlarmSlot[] = judged.map((type) => ({
    evaluator: initialEvaluatorState,
    alarm: { ...newAlarm(meta.meter, type), occurrence: live.lastOccurrence(meta.meter, type) },
  }));
  const apart = AlarmEngine.restore(config, { slots });
  const transitions: AlarmTransition[] = [];
  for (const { at, metrics } of segment.intervals) {
    const wanted: { [T in AlarmType]?: number | null } = {};
    for (const type of judged) if (type in metrics) wanted[type] = metrics[type] ?? null;
    transitions.push(...apart.evaluate(meta, at, wanted));
  }
  for (const type of judged) {
    const alarm = apart.alarm(meta.meter, type);
    if (isActive(alarm.state)) {
      const ended = { ...alarm, state: 'cleared' as const, clearedAt: segment.resumeAt };
      transitions.push({
        from: alarm.state, alarm: ended, at: segment.resumeAt,
        reason: 'ended at the first interval judged before this late data arrived: the current state follows that newer data',
      });
    }
    live.issue(meta.meter, type, alarm.occurrence);
  }
  return transitions;
}
