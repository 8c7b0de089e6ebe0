// An interval while the pipeline works on it: each rule may change its value and quality, and every
// change is recorded in its provenance at the moment it is made.
import type { EstimationMethod, Finding, FindingAction, ProvenanceEntry, QualityCode } from '../types.ts';
import type { RuleId } from './rule-ids.ts';

export interface WorkingInterval {
  readonly at: number;
  value: number | null;
  quality: QualityCode;
  readonly raw: number | null;
  method?: EstimationMethod;
  readonly provenance: ProvenanceEntry[];
}

/** Changes an interval and records the change; returns the matching finding. */
export function change(
  interval: WorkingInterval,
  rule: RuleId,
  action: FindingAction,
  to: number | null,
  quality: QualityCode,
  reason: string,
): Finding {
  interval.provenance.push({ rule, from: interval.value, to, quality, reason });
  interval.value = to;
  interval.quality = quality;
  return { rule, at: interval.at, action, reason };
}

/** Marks an interval suspect, keeping its value (a suspect interval stays suspect). */
export function suspect(interval: WorkingInterval, rule: RuleId, reason: string): Finding {
  return change(interval, rule, 'suspect', interval.value, 'suspect', reason);
}
