// Checks on what callers hand the store. Meter ids and OBIS codes are branded types, parsed at the
// trust boundary before they get here; values and times are plain numbers, so they are checked.
import { findQuantity, ValidationError, type ObisCode, type Reading, type Snapshot } from '@phasewire/core';
import { intervalMs, type TimeRange } from './periods.ts';
import { stageIsConsistent } from './quality.ts';
import type { IntervalWrite, Provenance } from './meter-store.ts';

/** Whether the quantity is an energy register, whose reads yield interval data. */
export const isRegister = (quantity: ObisCode): boolean => findQuantity(quantity)?.kind === 'register';

const isTime = (t: number): boolean => Number.isSafeInteger(t) && t >= 0;

function badReading(meter: string, quantity: string, at: number, value: number): never {
  const what = !isTime(at) ? `time ${at} is not a whole, non-negative number of milliseconds` : `value ${value} is not a finite number`;
  throw new ValidationError('PW_ERR_STORE_INVALID_READING',
    `Cannot store reading ${quantity} of meter ${meter} at ${at}: its ${what}; nothing of the batch was stored`);
}

export function checkReadings(readings: readonly Reading[]): void {
  for (const r of readings) {
    if (!isTime(r.at) || !Number.isFinite(r.value)) badReading(r.meter, r.quantity, r.at, r.value);
  }
}

export function checkSnapshots(snapshots: readonly Snapshot[]): void {
  for (const s of snapshots) {
    for (const [quantity, value] of s.values) {
      if (!isTime(s.at) || !Number.isFinite(value)) badReading(s.meter, quantity, s.at, value);
    }
  }
}

/** Checks a query range; `grid` asks for both ends on the 15-minute interval grid. */
export function checkRange(range: TimeRange, what: string, grid = false): void {
  const { from, to } = range;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from) {
    throw new ValidationError('PW_ERR_STORE_INVALID_RANGE',
      `Cannot query ${what} for [${from}, ${to}): expected whole milliseconds with from ≤ to`);
  }
  if (grid && (from % intervalMs !== 0 || to % intervalMs !== 0)) {
    throw new ValidationError('PW_ERR_STORE_INVALID_RANGE',
      `Cannot query ${what} for [${from}, ${to}): both ends must be on the 15-minute interval grid`);
  }
}

export function checkProvenance(provenance: Provenance): void {
  const what = 'Cannot write interval values';
  if (provenance.kind === 'person') {
    if (provenance.person.trim() === '')
      throw new ValidationError('PW_ERR_STORE_INVALID_INTERVAL_WRITE', `${what}: the person making the change is not named`);
    if (provenance.reason.trim() === '')
      throw new ValidationError('PW_ERR_STORE_INVALID_INTERVAL_WRITE',
        `${what} for ${provenance.person}: a person's change needs a reason for the audit trail, and the reason is empty`);
  } else if (provenance.rule.trim() === '') {
    throw new ValidationError('PW_ERR_STORE_INVALID_INTERVAL_WRITE', `${what}: the rule making the change is not named`);
  }
}

export function checkIntervalWrites(writes: readonly IntervalWrite[], provenance: Provenance): void {
  checkProvenance(provenance);
  for (const w of writes) {
    const what = `Cannot write the ${w.stage} value of interval ${w.quantity} of meter ${w.meter} ending ${w.end}`;
    if (!isRegister(w.quantity)) {
      throw new ValidationError('PW_ERR_STORE_INVALID_INTERVAL_WRITE',
        `${what}: ${w.quantity} is not an energy register, so it has no interval data`);
    }
    if (!Number.isSafeInteger(w.end) || w.end % intervalMs !== 0) {
      throw new ValidationError('PW_ERR_STORE_INVALID_INTERVAL_WRITE', `${what}: the end is not on the 15-minute interval grid`);
    }
    if ((w.stage as string) !== 'validated' && (w.stage as string) !== 'final') {
      throw new ValidationError('PW_ERR_STORE_INVALID_INTERVAL_WRITE', `${what}: the stage must be validated or final`);
    }
    if (!stageIsConsistent(w)) {
      throw new ValidationError('PW_ERR_STORE_INVALID_INTERVAL_WRITE', `${what}: quality ${w.quality} with value ${w.value} is not allowed `
        + `(missing has no value, every other quality has a finite one, measured is never written)`);
    }
  }
}
