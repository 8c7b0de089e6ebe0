// Whether a meter's values can come from a live three-phase meter on a low-voltage supply. A meter
// that answers on the bus is powered and measures the supply it sits on, so its frequency is that
// of a 50 or 60 Hz grid and at least one phase carries a voltage near a nominal one. A device that
// is not the model its profile describes (a generic device whose registers read zero) fails this
// at once: 0 V and 0 Hz are no reading of a live meter, and uploading them as measured would give
// the MDM and billing zero energy that looks right. The same check is the evidence by which a
// profile without an identity register is recognised (scan.ts).
//
// Only what is physically impossible for such a meter is flagged; events a meter really reports
// (a lost phase at 0 V, a 30 % sag, a frequency drift) pass.
import { Q, findQuantity, type ObisCode } from '@phasewire/core';

/** Frequency of a 50 Hz or 60 Hz grid with wide margins (EN 50160 §4.2.1 allows 50 Hz −6 %/+4 % at worst). */
export const frequencyRangeHz = { min: 45, max: 65 } as const;

/**
 * Phase-to-neutral voltages: the nominal low-voltage systems run from 100 V (100/200 V) to 347 V
 * (347/600 V) (IEC 60038:2009 Table 1, ANSI C84.1, CSA CAN3-C235). The highest phase of a live meter
 * is at least half the lowest nominal; none is above the highest nominal +20 %.
 */
export const phaseVoltageV = { liveAtLeast: 50, max: 416.4 } as const;

/** Line-to-line voltages: at most the highest nominal (600 V) +20 %. */
export const lineVoltageMaxV = 720;

const phaseVoltages: readonly ObisCode[] = [Q.voltageL1, Q.voltageL2, Q.voltageL3];
const lineVoltages: readonly ObisCode[] = [Q.voltageL1L2, Q.voltageL2L3, Q.voltageL3L1];

/** The quantities the check reads: a profile must map these for its values to be judged. */
export const plausibilityQuantities: readonly ObisCode[] = [Q.frequency, ...phaseVoltages];

const show = (code: ObisCode, value: number): string => {
  const definition = findQuantity(code);
  return `${definition?.key ?? code} ${Number(value.toPrecision(6))} ${definition?.unit ?? ''}`.trimEnd();
};

/**
 * What makes `values` impossible for a live meter, one phrase each (empty when nothing does).
 * Quantities that are absent are not judged.
 */
export function implausibilities(values: ReadonlyMap<ObisCode, number>): string[] {
  const problems: string[] = [];
  const frequency = values.get(Q.frequency);
  if (frequency !== undefined && !(frequency >= frequencyRangeHz.min && frequency <= frequencyRangeHz.max)) {
    problems.push(`${show(Q.frequency, frequency)}, expected ${frequencyRangeHz.min}–${frequencyRangeHz.max} Hz`);
  }
  const phases = phaseVoltages.flatMap((code) => {
    const value = values.get(code);
    return value === undefined ? [] : [{ code, value }];
  });
  for (const { code, value } of phases) {
    if (value < 0 || value > phaseVoltageV.max) problems.push(`${show(code, value)}, expected 0–${phaseVoltageV.max} V`);
  }
  if (phases.length > 0 && !phases.some(({ value }) => value >= phaseVoltageV.liveAtLeast)) {
    const shown = phases.map(({ code, value }) => show(code, value)).join(', ');
    problems.push(`${shown}: no phase of a live meter at ${phaseVoltageV.liveAtLeast} V or more`);
  }
  for (const code of lineVoltages) {
    const value = values.get(code);
    if (value !== undefined && (value < 0 || value > lineVoltageMaxV)) {
      problems.push(`${show(code, value)}, expected 0–${lineVoltageMaxV} V`);
    }
  }
  for (const [code, value] of values) {
    // Energy registers count up from zero: a negative one is no reading.
    if (findQuantity(code)?.kind === 'register' && value < 0) problems.push(`${show(code, value)}, expected a register at 0 or more`);
  }
  return problems;
}

/** The checked quantities present in `values`, for saying what a plausible reading showed. */
export function plausibleSummary(values: ReadonlyMap<ObisCode, number>): string {
  return plausibilityQuantities.flatMap((code) => {
    const value = values.get(code);
    return value === undefined ? [] : [show(code, value)];
  }).join(', ');
}
