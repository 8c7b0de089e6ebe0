// Validated and final interval stages as the SQLite store keeps them (`interval_stage`): quality
// codes are stored as their index in intervalQualities, a list that is only ever appended to.
import type { SQLOutputValue } from 'node:sqlite';
import { StoreError } from '@phasewire/core';
import { intervalQualities, type IntervalOverlay, type IntervalQuality } from '../../quality.ts';
import { num, optionalNumber, type SqliteContext } from './sqlite-context.ts';

export const qualityCode = (quality: IntervalQuality): number => intervalQualities.indexOf(quality);

export function qualityAt(value: SQLOutputValue | undefined): IntervalQuality {
  const quality = intervalQualities[num(value)];
  if (quality === undefined)
    throw new StoreError('PW_ERR_STORE_CORRUPT', `Cannot read a stored interval stage: quality code ${String(value)} is unknown`);
  return quality;
}

/** Stages from columns [validated, validated_quality, final, final_quality] starting at `first`. */
function overlayOf(row: readonly SQLOutputValue[], first: number): IntervalOverlay {
  const validatedQuality = row[first + 1];
  const finalQuality = row[first + 3];
  const validated = validatedQuality === null || validatedQuality === undefined ? undefined
    : { value: optionalNumber(row[first]), quality: qualityAt(validatedQuality) };
  const final = finalQuality === null || finalQuality === undefined ? undefined
    : { value: optionalNumber(row[first + 2]), quality: qualityAt(finalQuality) };
  return { ...(validated === undefined ? {} : { validated }), ...(final === undefined ? {} : { final }) };
}

/** The written stages of one interval. */
export function stagesOf(ctx: SqliteContext, meter: number, quantity: number, end: number): IntervalOverlay | undefined {
  const row = ctx.stmt('SELECT validated, validated_quality, final, final_quality FROM interval_stage WHERE meter = ? AND quantity = '
    + '? AND end_at = ?', true)
    .get(meter, quantity, end) as unknown as SQLOutputValue[] | undefined;
  return row === undefined ? undefined : overlayOf(row, 0);
}

/** The written stages of the intervals of one meter and quantity ending in (from, to]. */
export function stagesBetween(ctx: SqliteContext, meter: number, quantity: number, from: number, to: number): Map<number, IntervalOverlay> {
  const overlays = new Map<number, IntervalOverlay>();
  const rows = ctx.arrays('SELECT end_at, validated, validated_quality, final, final_quality FROM interval_stage WHERE meter = ? AND '
    + 'quantity = ? AND end_at > ? AND end_at <= ?', meter, quantity, from, to);
  for (const row of rows) overlays.set(num(row[0]), overlayOf(row, 1));
  return overlays;
}
