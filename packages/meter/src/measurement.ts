// One measurement of the three phases: what waveform mode computes from a 10/12-cycle window of
// samples and what phasor mode computes in closed form at one instant. Both modes fill the same
// record and hand it to the same aggregator and registers, so the two can only differ in how they
// arrive at these numbers, never in what is done with them afterwards.

/** Per-phase fields are Float64Arrays of three, L1..L3; currents are primary amperes as measured. */
export interface Measurement {
  /** RMS² of the phase voltage, V², all harmonics. */
  readonly voltageSquare: Float64Array;
  /** RMS² of the phase current, A². */
  readonly currentSquare: Float64Array;
  /** Active power, W: the mean of v·i over whole cycles (all harmonics). */
  readonly active: Float64Array;
  /** Fundamental reactive power Q1, var (IEEE 1459-2010 §3.1.2.5). */
  readonly reactive: Float64Array;
  /** Apparent power Vrms·Irms, VA (IEEE 1459-2010 §3.1.2, the apparent power of one phase). */
  readonly apparent: Float64Array;
  /** Fundamental phasors (RMS), real and imaginary parts. */
  readonly voltageRe: Float64Array;
  readonly voltageIm: Float64Array;
  readonly currentRe: Float64Array;
  readonly currentIm: Float64Array;
  /** |X1|² and Σ_{h≥2}|Xh|² of voltage and current: the parts of THD. */
  readonly voltageFundamentalSquare: Float64Array;
  readonly voltageDistortionSquare: Float64Array;
  readonly currentFundamentalSquare: Float64Array;
  readonly currentDistortionSquare: Float64Array;
  /** RMS² of L1-L2, L2-L3, L3-L1. */
  readonly lineSquare: Float64Array;
  /** RMS² of the neutral current (the instantaneous sum of the three phase currents). */
  neutralSquare: number;
}

export function newMeasurement(): Measurement {
  const three = (): Float64Array => new Float64Array(3);
  return {
    voltageSquare: three(), currentSquare: three(), active: three(), reactive: three(), apparent: three(),
    voltageRe: three(), voltageIm: three(), currentRe: three(), currentIm: three(),
    voltageFundamentalSquare: three(), voltageDistortionSquare: three(),
    currentFundamentalSquare: three(), currentDistortionSquare: three(),
    lineSquare: three(), neutralSquare: 0,
  };
}

/** Thresholds below which a meter shows zero rather than its noise floor. */
export interface Cutoffs {
  /** RMS volts. */
  readonly voltage: number;
  /** RMS amperes: the starting current. */
  readonly current: number;
}

/**
 * Starting current as a fraction of the rated current: IEC 62053-21:2003 §8.3.3 Table 9 for class 1,
 * 0.004 Ib for a direct meter and 0.002 In for a transformer-operated one. Below it the meter
 * registers nothing (the no-load condition of §8.3.2) and shows zero current and power.
 */
export const startingCurrentRatio = { direct: 0.004, transformer: 0.002 } as const;

/**
 * Voltage shown as zero below this share of nominal: far under any dip or interruption threshold
 * (IEC 61000-4-30 §5.5 puts an interruption at 5 or 10 % of the declared voltage), far over noise.
 */
export const voltageCutoffRatio = 0.01;

/**
 * Zeroes what lies below the thresholds, as a meter does, so that a lost phase reads 0 V and 0 A,
 * and no power, angle or THD is made from noise. Applied the same way in both modes. The neutral
 * current is left as measured: it is small exactly when the phases balance, and a threshold there
 * would hide the first signs of an imbalance (and make its reading jump as it grows).
 */
export function applyCutoffs(m: Measurement, cutoffs: Cutoffs): void {
  const v2 = cutoffs.voltage * cutoffs.voltage;
  const i2 = cutoffs.current * cutoffs.current;
  for (let p = 0; p < 3; p++) {
    const noVoltage = (m.voltageSquare[p] ?? 0) < v2;
    const noCurrent = (m.currentSquare[p] ?? 0) < i2;
    if (noVoltage) {
      m.voltageSquare[p] = 0; m.voltageRe[p] = 0; m.voltageIm[p] = 0;
      m.voltageFundamentalSquare[p] = 0; m.voltageDistortionSquare[p] = 0;
    }
    if (noCurrent) {
      m.currentSquare[p] = 0; m.currentRe[p] = 0; m.currentIm[p] = 0;
      m.currentFundamentalSquare[p] = 0; m.currentDistortionSquare[p] = 0;
    }
    if (noVoltage || noCurrent) {
      m.active[p] = 0; m.reactive[p] = 0; m.apparent[p] = 0;
    }
  }
}
