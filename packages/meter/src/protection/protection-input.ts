// What protection looks at, one instant at a time: RMS and fundamental phasors of the three phase
// voltages and currents, the line voltages and the neutral current. The meter agent builds it from
// each measurement of the sensing layer (a window in waveform mode, a step in phasor mode); a gateway
// from each poll of a Modbus meter's snapshot, which has magnitudes and angles only.
import { Q, type ObisCode, type Snapshot } from '@phasewire/core';
import type { Measurement } from '../measurement.ts';

export interface ProtectionInput {
  /** Phase voltages, V RMS, L1..L3. */
  readonly voltage: Float64Array;
  /** Line voltages L1-L2, L2-L3, L3-L1, V RMS. */
  readonly line: Float64Array;
  /** Phase currents, A RMS. */
  readonly current: Float64Array;
  /** Fundamental phasors (RMS), real and imaginary parts. */
  readonly voltageRe: Float64Array;
  readonly voltageIm: Float64Array;
  readonly currentRe: Float64Array;
  readonly currentIm: Float64Array;
  /** Neutral current, A RMS. */
  neutral: number;
}

export function newProtectionInput(): ProtectionInput {
  const three = (): Float64Array => new Float64Array(3);
  return {
    voltage: three(), line: three(), current: three(), voltageRe: three(), voltageIm: three(), currentRe: three(), currentIm: three(),
    neutral: 0,
  };
}

/** The input from one measurement of the sensing layer, written into `out`. */
export function inputFromMeasurement(m: Measurement, out: ProtectionInput): ProtectionInput {
  for (let p = 0; p < 3; p++) {
    out.voltage[p] = Math.sqrt(m.voltageSquare[p] ?? 0);
    out.line[p] = Math.sqrt(Math.max(0, m.lineSquare[p] ?? 0));
    out.current[p] = Math.sqrt(m.currentSquare[p] ?? 0);
    out.voltageRe[p] = m.voltageRe[p] ?? 0;
    out.voltageIm[p] = m.voltageIm[p] ?? 0;
    out.currentRe[p] = m.currentRe[p] ?? 0;
    out.currentIm[p] = m.currentIm[p] ?? 0;
  }
  out.neutral = Math.sqrt(m.neutralSquare);
  return out;
}

/**
 * The input from a snapshot (a polled meter): magnitudes, and phasors rebuilt from the angles the
 * snapshot carries (lags behind the L1 voltage, degrees); a missing angle counts as the ideal one.
 */
export function inputFromSnapshot(snapshot: Snapshot, out: ProtectionInput): ProtectionInput {
  const value = (code: ObisCode, fallback = 0): number => snapshot.values.get(code) ?? fallback;
  const voltage = [value(Q.voltageL1), value(Q.voltageL2), value(Q.voltageL3)];
  const current = [value(Q.currentL1), value(Q.currentL2), value(Q.currentL3)];
  const vLag = [0, value(Q.angleVoltageL2, 120), value(Q.angleVoltageL3, 240)];
  const iLag = [value(Q.angleCurrentL1), value(Q.angleCurrentL2, 120), value(Q.angleCurrentL3, 240)];
  const line = [value(Q.voltageL1L2), value(Q.voltageL2L3), value(Q.voltageL3L1)];
  const rad = Math.PI / 180;
  for (let p = 0; p < 3; p++) {
    out.voltage[p] = voltage[p] ?? 0;
    out.current[p] = current[p] ?? 0;
    out.line[p] = line[p] ?? 0;
    out.voltageRe[p] = (voltage[p] ?? 0) * Math.cos(-(vLag[p] ?? 0) * rad);
    out.voltageIm[p] = (voltage[p] ?? 0) * Math.sin(-(vLag[p] ?? 0) * rad);
    out.currentRe[p] = (current[p] ?? 0) * Math.cos(-(iLag[p] ?? 0) * rad);
    out.currentIm[p] = (current[p] ?? 0) * Math.sin(-(iLag[p] ?? 0) * rad);
  }
  out.neutral = value(Q.currentNeutral);
  return out;
}

/** |V1| and |V2| of the voltage phasors (Fortescue), for the phase sequence. */
export function voltageSequence(input: ProtectionInput): { readonly positive: number; readonly negative: number } {
  const aRe = -0.5;
  const aIm = Math.sqrt(3) / 2;
  const [aR, bR, cR] = [input.voltageRe[0] ?? 0, input.voltageRe[1] ?? 0, input.voltageRe[2] ?? 0];
  const [aI, bI, cI] = [input.voltageIm[0] ?? 0, input.voltageIm[1] ?? 0, input.voltageIm[2] ?? 0];
  const v1Re = aR + aRe * bR - aIm * bI + aRe * cR + aIm * cI;
  const v1Im = aI + aRe * bI + aIm * bR + aRe * cI - aIm * cR;
  const v2Re = aR + aRe * bR + aIm * bI + aRe * cR - aIm * cI;
  const v2Im = aI + aRe * bI - aIm * bR + aRe * cI + aIm * cR;
  return { positive: Math.hypot(v1Re, v1Im) / 3, negative: Math.hypot(v2Re, v2Im) / 3 };
}
