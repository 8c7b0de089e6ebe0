// Interval values in three stages, each with a quality code. The raw value is the register delta as
// measured; VEE writes a validated value; an editor (or a final VEE pass) writes the final value.
// What a reader uses is the latest stage written: final, else validated, else raw. The codes are the
// ones the VEE rules speak (packages/mdm/src/types.ts, `QualityCode`).

/**
 * - `measured`: as the meter sent it, not yet validated (never written, only derived);
 * - `validated`: passed every rule, or corrected by exact arithmetic;
 * - `estimated`: filled in by an estimation method;
 * - `edited`: set by a person, with a reason;
 * - `missing`: no usable value;
 * - `suspect`: a value is kept but a rule doubts it.
 */
export type IntervalQuality = 'measured' | 'validated' | 'estimated' | 'edited' | 'missing' | 'suspect';
export const intervalQualities: readonly IntervalQuality[] = ['measured', 'validated', 'estimated', 'edited', 'missing', 'suspect'];

export type IntervalStage = 'validated' | 'final';
export const intervalStages: readonly IntervalStage[] = ['validated', 'final'];

/** What one stage holds for an interval. A `missing` stage has no value; every other has one. */
export interface StageValue {
  readonly value: number | null;
  readonly quality: IntervalQuality;
}

/** The written stages of one interval (absent: never written). */
export interface IntervalOverlay {
  readonly validated?: StageValue;
  readonly final?: StageValue;
}

/** The value and quality a reader sees: the latest stage written, else the raw value. */
export function resolveStages(raw: number | null, overlay: IntervalOverlay | undefined): StageValue {
  const stage = overlay?.final ?? overlay?.validated;
  if (stage !== undefined) return stage;
  return raw === null ? { value: null, quality: 'missing' } : { value: raw, quality: 'measured' };
}

/** Whether a stage may carry this quality and value: `measured` is never written, `missing` has no value. */
export function stageIsConsistent(stage: StageValue): boolean {
  if (stage.quality === 'measured') return false;
  return stage.quality === 'missing' ? stage.value === null : stage.value !== null && Number.isFinite(stage.value);
}
