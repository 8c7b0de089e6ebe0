// Phasor-diagram geometry: magnitudes and angles from a meter's latest values → arrow end points
// in SVG coordinates. Angles follow the catalogue: U L2 and U L3 lag U L1 by their angle, and each
// current lags its own phase voltage by its angle (inductive load positive). Lag is drawn
// clockwise, so the usual counter-clockwise rotation of the phasors holds on screen.
import { OBIS } from './obis.ts';

export type PhaseName = 'L1' | 'L2' | 'L3';

export interface Phasor {
  readonly phase: PhaseName;
  readonly kind: 'voltage' | 'current';
  readonly magnitude: number;
  /** Degrees, counter-clockwise from U L1 (so a lag is negative). */
  readonly angle: number;
}

export interface Arrow extends Phasor {
  readonly x: number;
  readonly y: number;
}

const phases: readonly PhaseName[] = ['L1', 'L2', 'L3'];
const voltageAngle = { L1: undefined, L2: OBIS.angleVoltageL2, L3: OBIS.angleVoltageL3 } as const;
const currentAngle = { L1: OBIS.angleCurrentL1, L2: OBIS.angleCurrentL2, L3: OBIS.angleCurrentL3 } as const;
// Without a measured voltage angle, assume the symmetric L1-L2-L3 sequence (IEC 60050-141: 120°).
const nominalLag = { L1: 0, L2: 120, L3: 240 } as const;

/** Wraps degrees to (−180, 180]. */
export function wrapDegrees(degrees: number): number {
  const wrapped = ((degrees % 360) + 360) % 360;
  return wrapped > 180 ? wrapped - 360 : wrapped;
}

/** The six phasors of a reading; a phase whose magnitude is missing or non-finite is left out. */
export function phasorsOf(values: Readonly<Record<string, number>>): Phasor[] {
  const result: Phasor[] = [];
  for (const phase of phases) {
    const angleCode = voltageAngle[phase];
    const measuredLag = angleCode === undefined ? 0 : values[angleCode];
    const lag = measuredLag !== undefined && Number.isFinite(measuredLag) ? measuredLag : nominalLag[phase];
    const u = values[OBIS[`voltage${phase}`]];
    if (u !== undefined && Number.isFinite(u)) result.push({ phase, kind: 'voltage', magnitude: u, angle: wrapDegrees(-lag) });
    const i = values[OBIS[`current${phase}`]];
    const iLag = values[currentAngle[phase]];
    if (i !== undefined && Number.isFinite(i)) {
      result.push({ phase, kind: 'current', magnitude: i,
        angle: wrapDegrees(-lag - (iLag !== undefined && Number.isFinite(iLag) ? iLag : 0)) });
    }
  }
  return result;
}

/**
 * Arrow end points in a square of side `size` centred on the origin's middle. Voltages and
 * currents are scaled separately (each to its own largest magnitude) so both stay readable.
 */
export function arrowsOf(phasors: readonly Phasor[], size: number): Arrow[] {
  const centre = size / 2;
  const reach = { voltage: centre * 0.9, current: centre * 0.6 };
  const largest = { voltage: 0, current: 0 };
  for (const p of phasors) largest[p.kind] = Math.max(largest[p.kind], Math.abs(p.magnitude));
  return phasors.map((p) => {
    // Divide first: reach / a denormal largest would overflow to Infinity.
    const length = largest[p.kind] > 0 ? (Math.abs(p.magnitude) / largest[p.kind]) * reach[p.kind] : 0;
    const radians = (p.angle * Math.PI) / 180;
    // SVG's y grows downwards: a counter-clockwise angle moves the point up.
    return { ...p, x: round(centre + length * Math.cos(radians)), y: round(centre - length * Math.sin(radians)) };
  });
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
