// The simulated meter's firmware: a small JSON bundle, the bytes a TUF target carries and a slot
// holds. What it changes is the meter's metrology: a phase-angle correction per phase (the
// compensation of the current transformer's phase displacement, IEC 61869-2 §5.6.201.5) rotates each
// phase's active and reactive power, so a firmware that fixes a wrong correction changes the readings
// measurably. A bundle can also carry a `fault`, the defect of a bad build for the demo's rollback:
// `stop-publishing` seals nothing, so its health check (publish, acks) fails and the device rolls back.
import { Type, type Static } from 'typebox';
import { Q, roundToResolution, ValidationError } from '@phasewire/core';
import type { ObisCode, Snapshot } from '@phasewire/core';
import { assertSchema, problemMessage } from '@phasewire/core/schema';
import { FirmwareCustomSchema } from '@phasewire/secure';

const degrees = Type.Number({ minimum: -10, maximum: 10, expected: 'an angle from -10 to 10 degrees' });

/** A firmware bundle of the simulated meter (a slot's bytes, UTF-8 JSON). */
export const FirmwareBundleSchema = Type.Object({
  format: Type.Literal('phasewire-meter-firmware', { description: 'Says what the bytes are.' }),
  version: FirmwareCustomSchema.properties.version,
  metrology: Type.Object({
    phaseAngleCorrectionDeg: Type.Tuple([degrees, degrees, degrees], {
      description: 'Added to the angle of each phase current (L1, L2, L3): active and reactive power are rotated by it.',
    }),
  }, { additionalProperties: false }),
  fault: Type.Optional(Type.Literal('stop-publishing', {
    description: 'A defect built in on purpose (the demo\'s bad image): the meter publishes nothing, its messages wait in its queue.',
  })),
}, { additionalProperties: false });
export type FirmwareBundle = Static<typeof FirmwareBundleSchema>;

export function encodeFirmwareBundle(bundle: FirmwareBundle): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(bundle, null, 2)}\n`);
}

/** The bundle in a slot's bytes, or a ValidationError naming what is wrong. */
export function parseFirmwareBundle(bytes: Uint8Array): FirmwareBundle {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new ValidationError('PW_ERR_FIRMWARE_BUNDLE', `Cannot load the firmware bundle (${bytes.length} bytes): it is not UTF-8 JSON; `
      + 'expected a phasewire-meter-firmware bundle', { cause: error });
  }
  assertSchema(FirmwareBundleSchema, value, (problem) => {
    throw new ValidationError('PW_ERR_FIRMWARE_BUNDLE', `Cannot load the firmware bundle: ${problemMessage(problem)}`);
  });
  return value;
}

const phases = [
  { p: Q.activePowerL1, qi: Q.reactivePowerImportL1, qe: Q.reactivePowerExportL1, s: Q.apparentPowerL1, pf: Q.powerFactorL1,
    angle: Q.angleCurrentL1 },
  { p: Q.activePowerL2, qi: Q.reactivePowerImportL2, qe: Q.reactivePowerExportL2, s: Q.apparentPowerL2, pf: Q.powerFactorL2,
    angle: Q.angleCurrentL2 },
  { p: Q.activePowerL3, qi: Q.reactivePowerImportL3, qe: Q.reactivePowerExportL3, s: Q.apparentPowerL3, pf: Q.powerFactorL3,
    angle: Q.angleCurrentL3 },
] as const;

/**
 * The snapshot as this firmware's metrology reports it: each phase's (P, Q) rotated by its
 * correction (consumer reference: Q > 0 when the current lags, so a positive correction moves power
 * from P to Q), its power factor and current angle with it, and the totals summed again. Energy
 * registers are the meter's own and are left as measured. A bundle with no correction returns the
 * snapshot unchanged.
 */
export function applyFirmwareMetrology(bundle: FirmwareBundle, snapshot: Snapshot): Snapshot {
  const corrections = bundle.metrology.phaseAngleCorrectionDeg;
  if (corrections.every((angle) => angle === 0)) return snapshot;
  const values = new Map<ObisCode, number>(snapshot.values);
  const set = (code: ObisCode, value: number): void => { if (values.has(code)) values.set(code, roundToResolution(code, value)); };
  let totalP = 0;
  let totalQ = 0;
  let totalS = 0;
  phases.forEach((phase, index) => {
    const p = values.get(phase.p);
    if (p === undefined) return;
    const q = (values.get(phase.qi) ?? 0) - (values.get(phase.qe) ?? 0);
    const degreesOf = corrections[index] ?? 0;
    const theta = (degreesOf * Math.PI) / 180;
    const p2 = p * Math.cos(theta) - q * Math.sin(theta);
    const q2 = p * Math.sin(theta) + q * Math.cos(theta);
    const s = values.get(phase.s) ?? Math.hypot(p, q);
    set(phase.p, p2);
    set(phase.qi, Math.max(q2, 0));
    set(phase.qe, Math.max(-q2, 0));
    if (s > 0) set(phase.pf, p2 / s);
    const angle = values.get(phase.angle);
    if (angle !== undefined) set(phase.angle, angle + degreesOf);
    totalP += p2;
    totalQ += q2;
    totalS += s;
  });
  set(Q.activePower, totalP);
  set(Q.reactivePowerImport, Math.max(totalQ, 0));
  set(Q.reactivePowerExport, Math.max(-totalQ, 0));
  if (totalS > 0) set(Q.powerFactor, totalP / totalS);
  return { ...snapshot, values };
}
