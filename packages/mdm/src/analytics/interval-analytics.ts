// Three-phase analytics of one interval, from what the meter sent (a Snapshot). Every unbalance
// figure carries the name of the standard that defines it, because NEMA LVUR, IEEE PVUR and IEC VUF
// give different numbers for the same supply (core/src/math/unbalance.ts). The math is core's; this
// module only builds phasors from the catalogue's magnitudes and angles and picks the best source.
//
// Angles follow the catalogue (catalogue.ts header): U L2 and U L3 are given as how far they lag
// U L1, and each current as how far it lags its own phase voltage. So U1 = |U1|∠0,
// U2 = |U2|∠−θU2, U3 = |U3|∠−θU3, and Ix = |Ix|∠(arg Ux − θIx).
import {
  abs, currentUnbalance, lineToLine, lvur, maxDeviationRatio, neutralCurrent, polarDeg, powerFactor, pvur, Q, thd, vuf,
  symmetricalComponents, vufFromLineMagnitudes, type Complex, type ObisCode, type Snapshot, type ThreePhase, type Unbalance,
} from '@phasewire/core';

export interface CurrentUnbalanceFigures {
  /** Largest deviation of a phase current from the average, over the average (NEMA MG 1 style). */
  readonly maxDeviation: number;
  /** |I2| / |I1|; null without the current and voltage angles. */
  readonly negativeSequence: number | null;
  /** |I0| / |I1|; null without the angles. */
  readonly zeroSequence: number | null;
}

export interface NeutralCurrentFigure {
  readonly value: number;
  /** `measured` by the meter (includes triplen harmonics), or the phasor sum of the fundamentals. */
  readonly source: 'measured' | 'phasor sum of the fundamentals';
}

export interface IntervalAnalytics {
  readonly at: number;
  /** Phase (line-to-neutral) voltages, V; null when the meter sent none. */
  readonly voltages: ThreePhase<number> | null;
  readonly currents: ThreePhase<number> | null;
  readonly lvur: Unbalance | null;
  readonly pvur: Unbalance | null;
  /** From phasors when the angles are known, else from the line-to-line magnitudes (IEC 61000-4-30 §5.7.1). */
  readonly vuf: Unbalance | null;
  /** Magnitudes of the voltage's zero, positive and negative sequence (Fortescue), V; null without angles. */
  readonly voltageSequence: { readonly zero: number; readonly positive: number; readonly negative: number } | null;
  readonly currentUnbalance: CurrentUnbalanceFigures | null;
  readonly neutralCurrent: NeutralCurrentFigure | null;
  /** Per phase and total, P/S signed as P. */
  readonly powerFactor: { readonly phases: ThreePhase<number | null>; readonly total: number | null };
  readonly voltageThd: ThreePhase<number | null>;
  readonly currentThd: ThreePhase<number | null>;
  readonly frequency: number | null;
  /** Total active power, W (import positive). */
  readonly activePower: number | null;
  readonly apparentPower: number | null;
}

/** Harmonic spectra (RMS by order, index 1 the fundamental) for THD when the meter sends spectra. */
export interface Spectra {
  readonly voltage?: ThreePhase<ArrayLike<number>>;
  readonly current?: ThreePhase<ArrayLike<number>>;
}

const codes = {
  voltage: [Q.voltageL1, Q.voltageL2, Q.voltageL3],
  line: [Q.voltageL1L2, Q.voltageL2L3, Q.voltageL3L1],
  current: [Q.currentL1, Q.currentL2, Q.currentL3],
  currentAngle: [Q.angleCurrentL1, Q.angleCurrentL2, Q.angleCurrentL3],
  pf: [Q.powerFactorL1, Q.powerFactorL2, Q.powerFactorL3],
  p: [Q.activePowerL1, Q.activePowerL2, Q.activePowerL3],
  s: [Q.apparentPowerL1, Q.apparentPowerL2, Q.apparentPowerL3],
  voltageThd: [Q.voltageThdL1, Q.voltageThdL2, Q.voltageThdL3],
  currentThd: [Q.currentThdL1, Q.currentThdL2, Q.currentThdL3],
} as const;

type Codes = readonly [ObisCode, ObisCode, ObisCode];

function three(snapshot: Snapshot, list: Codes): ThreePhase<number> | null {
  const [a, b, c] = list.map((code) => snapshot.values.get(code));
  return a === undefined || b === undefined || c === undefined ? null : [a, b, c];
}

function each(snapshot: Snapshot, list: Codes): ThreePhase<number | null> {
  return [snapshot.values.get(list[0]) ?? null, snapshot.values.get(list[1]) ?? null, snapshot.values.get(list[2]) ?? null];
}

export function intervalAnalytics(snapshot: Snapshot, spectra: Spectra = {}): IntervalAnalytics {
  const get = (code: ObisCode): number | null => snapshot.values.get(code) ?? null;
  const voltages = three(snapshot, codes.voltage);
  const currents = three(snapshot, codes.current);
  const angle2 = get(Q.angleVoltageL2);
  const angle3 = get(Q.angleVoltageL3);
  const voltageAngles: ThreePhase<number> | null = angle2 === null || angle3 === null ? null : [0, -angle2, -angle3];
  const voltagePhasors = voltages === null || voltageAngles === null ? null : phasors(voltages, voltageAngles);
  const currentAngles = three(snapshot, codes.currentAngle);
  const currentPhasors = currents === null || voltageAngles === null || currentAngles === null
    ? null
    : phasors(currents, [voltageAngles[0] - currentAngles[0], voltageAngles[1] - currentAngles[1], voltageAngles[2] - currentAngles[2]]);

  const measuredLines = three(snapshot, codes.line);
  const lines = measuredLines ?? (voltagePhasors === null ? null : (lineToLine(voltagePhasors).map(abs) as unknown as ThreePhase<number>));
  let voltageUnbalance: Unbalance | null = null;
  if (voltagePhasors !== null) voltageUnbalance = vuf(voltagePhasors);
  else if (lines !== null) voltageUnbalance = vufFromLineMagnitudes(lines);

  let unbalance: CurrentUnbalanceFigures | null = null;
  if (currentPhasors !== null) unbalance = currentUnbalance(currentPhasors);
  else if (currents !== null) unbalance = { maxDeviation: maxDeviationRatio(currents), negativeSequence: null, zeroSequence: null };

  const measuredNeutral = get(Q.currentNeutral);
  let neutral: NeutralCurrentFigure | null = null;
  if (measuredNeutral !== null) neutral = { value: measuredNeutral, source: 'measured' };
  else if (currentPhasors !== null) neutral = { value: neutralCurrent(currentPhasors), source: 'phasor sum of the fundamentals' };

  const pfOf = (k: 0 | 1 | 2): number | null => {
    const measured = get(codes.pf[k]);
    if (measured !== null) return measured;
    const p = get(codes.p[k]);
    const s = get(codes.s[k]);
    return p === null || s === null ? null : powerFactor(p, s);
  };
  const p = get(Q.activePower);
  const s = get(Q.apparentPower);
  return {
    at: snapshot.at,
    voltages,
    currents,
    lvur: lines === null ? null : lvur(lines),
    pvur: voltages === null ? null : pvur(voltages),
    vuf: voltageUnbalance,
    voltageSequence: voltagePhasors === null ? null : sequenceMagnitudes(voltagePhasors),
    currentUnbalance: unbalance,
    neutralCurrent: neutral,
    powerFactor: { phases: [pfOf(0), pfOf(1), pfOf(2)],
      total: get(Q.powerFactor) ?? (p === null || s === null ? null : powerFactor(p, s)) },
    voltageThd: spectra.voltage === undefined ? each(snapshot, codes.voltageThd) : thdOf(spectra.voltage),
    currentThd: spectra.current === undefined ? each(snapshot, codes.currentThd) : thdOf(spectra.current),
    frequency: get(Q.frequency),
    activePower: p,
    apparentPower: s,
  };
}

function phasors(magnitudes: ThreePhase<number>, anglesDeg: ThreePhase<number>): ThreePhase<Complex> {
  return [polarDeg(magnitudes[0], anglesDeg[0]), polarDeg(magnitudes[1], anglesDeg[1]), polarDeg(magnitudes[2], anglesDeg[2])];
}

const thdOf = (spectra: ThreePhase<ArrayLike<number>>): ThreePhase<number> => [thd(spectra[0]), thd(spectra[1]), thd(spectra[2])];

function sequenceMagnitudes(values: ThreePhase<Complex>): { zero: number; positive: number; negative: number } {
  const { zero, positive, negative } = symmetricalComponents(values);
  return { zero: abs(zero), positive: abs(positive), negative: abs(negative) };
}
