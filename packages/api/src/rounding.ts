// Values leave the API (JSON answers, CSV exports, the live feed) in whole steps of their
// quantity's resolution (the catalogue's `steps`, docs/quantities.md), so float noise from sums and
// conversions (3592.2999999999993 Wh) never reaches a client: 3592.3. Figures derived from
// quantities are rounded to the resolution of what they are: percent to 0.01 % (a ratio's 0.0001),
// a power factor or THD ratio to 0.0001, a current to 1 mA.
import { Q, roundToResolution, roundToSteps } from '@phasewire/core';
import type { PowerQuality } from './dto.ts';

/** A value of the quantity `obis` (null and undefined pass through). */
export function roundReading(obis: string, value: number): number;
export function roundReading(obis: string, value: number | null): number | null;
export function roundReading(obis: string, value: number | null): number | null {
  return value === null ? null : roundToResolution(obis, value);
}

/** Values keyed by OBIS code (a meter's latest values, a live reading). */
export function roundValues(values: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [code, value] of Object.entries(values)) out[code] = roundToResolution(code, value);
  return out;
}

/** A ratio (a completeness 0..1): to 0.0001, the catalogue's ratio resolution. */
export const roundRatio = (value: number | null): number | null =>
  (value === null || !Number.isFinite(value) ? null : roundToResolution(Q.powerFactor, value));

/** Percent: to 0.01 %. */
export const roundPercent = (value: number | null): number | null =>
  (value === null || !Number.isFinite(value) ? null : roundToSteps(value, 100));

const amperes = (value: number | null): number | null =>
  (value === null || !Number.isFinite(value) ? null : roundToResolution(Q.currentNeutral, value));

/** The power-quality answer with every figure at its resolution. */
export function roundPowerQuality(pq: PowerQuality): PowerQuality {
  const { vuf, lvur, pvur } = pq.unbalance;
  return {
    ...pq,
    unbalance: {
      vuf: { ...vuf, value: roundPercent(vuf.value) },
      lvur: { ...lvur, value: roundPercent(lvur.value) },
      pvur: { ...pvur, value: roundPercent(pvur.value) },
    },
    currentUnbalance: roundPercent(pq.currentUnbalance),
    neutralCurrent: amperes(pq.neutralCurrent),
    powerFactor: { l1: roundRatio(pq.powerFactor.l1), l2: roundRatio(pq.powerFactor.l2), l3: roundRatio(pq.powerFactor.l3) },
    thd: Object.fromEntries(Object.entries(pq.thd).map(([key, value]) => [key, roundRatio(value)])),
    events: pq.events.map((e) => ({ ...e, depth: roundPercent(e.depth) ?? 0 })),
  };
}
