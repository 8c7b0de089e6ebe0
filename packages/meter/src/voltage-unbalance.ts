// The three voltage-unbalance figures of a snapshot, each by the standard that defines it, from the
// quantities the snapshot carries: PVUR from the phase voltages, LVUR and the IEC VUF (exact form
// from line magnitudes) from the line-to-line voltages, and the IEC VUF from the fundamental
// phasors rebuilt from the phase voltages and their angles.
import { lvur, polarDeg, pvur, Q, vuf, vufFromLineMagnitudes, type Snapshot, type Unbalance } from '@phasewire/core';

export interface VoltageUnbalance {
  /** NEMA MG 1 line voltage unbalance rate. */
  readonly lvur: Unbalance;
  /** IEEE phase voltage unbalance rate. */
  readonly pvur: Unbalance;
  /** IEC 61000-4-30 VUF |U2|/|U1| from the phase voltages and their angles. */
  readonly vuf: Unbalance;
  /** IEC 61000-4-30 §5.7.1 VUF from the three line-to-line magnitudes alone. */
  readonly vufFromLines: Unbalance;
}

export function voltageUnbalance(snapshot: Snapshot): VoltageUnbalance {
  const value = (code: (typeof Q)[keyof typeof Q]): number => snapshot.values.get(code) ?? 0;
  const phase = [value(Q.voltageL1), value(Q.voltageL2), value(Q.voltageL3)] as const;
  const line = [value(Q.voltageL1L2), value(Q.voltageL2L3), value(Q.voltageL3L1)] as const;
  // The angles are lags behind L1; a phasor's argument is the negative lag.
  const phasors = [polarDeg(phase[0], 0), polarDeg(phase[1], -value(Q.angleVoltageL2)), polarDeg(phase[2], -value(Q
    .angleVoltageL3))] as const;
  return { lvur: lvur(line), pvur: pvur(phase), vuf: vuf(phasors), vufFromLines: vufFromLineMagnitudes(line) };
}
