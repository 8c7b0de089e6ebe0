// Values as PostgreSQL stores them: whole resolution steps in `scaled`, or the value itself in
// `real` when it is not a whole number of steps; quality codes as their index in intervalQualities.
import type { PoolClient } from 'pg';
import { StoreError } from '@phasewire/core';
import { intervalQualities, type IntervalOverlay, type IntervalQuality } from '../../quality.ts';

export interface StoredRow {
  readonly scaled: number | null;
  readonly real: number | null;
}

export const valueOf = (row: StoredRow, steps: number): number => (row.scaled === null ? row.real ?? 0 : row.scaled / steps);

export const qualityCode = (quality: IntervalQuality): number => intervalQualities.indexOf(quality);

export function qualityAt(code: number): IntervalQuality {
  const quality = intervalQualities[code];
  if (quality === undefined)
    throw new StoreError('PW_ERR_STORE_CORRUPT', `Cannot read a stored interval stage: quality code ${code} is unknown`);
  return quality;
}

export interface StageRow {
  readonly validated: number | null;
  readonly validated_quality: number | null;
  readonly final: number | null;
  readonly final_quality: number | null;
}

export function overlayOfRow(row: StageRow): IntervalOverlay {
  return {
    ...(row.validated_quality === null ? {} : { validated: { value: row.validated, quality: qualityAt(row.validated_quality) } }),
    ...(row.final_quality === null ? {} : { final: { value: row.final, quality: qualityAt(row.final_quality) } }),
  };
}

/** Written stages of these intervals, keyed `meter/quantity/end`. */
export async function overlaysOf(
  client: PoolClient,
  keys: readonly { meter: number; quantity: number; end: number }[],
): Promise<Map<string, IntervalOverlay>> {
  const overlays = new Map<string, IntervalOverlay>();
  if (keys.length === 0) return overlays;
  const rows = await client.query<StageRow & { meter: number; quantity: number; end_at: number }>(`
    SELECT s.meter, s.quantity, s.end_at, s.validated, s.validated_quality, s.final, s.final_quality
    FROM unnest($1::int[], $2::int2[], $3::int8[]) AS k(meter, quantity, end_at) JOIN interval_stage s USING (meter, quantity, end_at)`,
  [keys.map((k) => k.meter), keys.map((k) => k.quantity), keys.map((k) => k.end)]);
  for (const row of rows.rows) overlays.set(`${row.meter}/${row.quantity}/${row.end_at}`, overlayOfRow(row));
  return overlays;
}
