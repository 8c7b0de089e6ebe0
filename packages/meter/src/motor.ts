// A load that reacts: a three-phase induction motor behind the load relay, modelled by symmetrical
// components, so that what protection acts on shows in the currents.
//
// - Positive sequence: the motor holds its shaft power, so |I1| = load · In · Un/|V1| at the rated
//   displacement angle (a sag raises the current; held from 0.5 pu down, where a loaded motor has
//   long stalled).
// - Negative sequence: to a negative-sequence voltage the running motor shows about its locked-rotor
//   impedance (the slip to the backward field is 2 − s ≈ 2, the standstill condition), so
//   I2 = V2 / Z_LR, |Z_LR| = Un / (k_LR · In): with k_LR ≈ 6 a voltage unbalance of a few per cent
//   gives several times that in current unbalance. NEMA MG 1-2016 §14.35.3: "the currents at normal
//   operating speed with unbalanced voltages will be greatly unbalanced, in the order of approximately
//   6 to 10 times the voltage unbalance"; Figure 14-1 derates the motor for it (protection.ts).
// - Zero sequence: none (a delta or ungrounded-star winding has no path for it).
// - An open phase (its voltage at the meter below 5 % of nominal): no current in that line, and the
//   motor runs single-phase from the line-to-line voltage of the other two, drawing √3 times its
//   current in each at the same shaft power (P = 3·Un·In·cos φ = √3·Un·I·cos φ). Two open phases:
//   the motor stops.
// - The relay open: no current at all, the motor stops.
// - Supply sequence reversed (|V2| > |V1|): the motor turns the other way, the roles of the two
//   sequences swapped.
import type { Complex } from '@phasewire/core';

/** The motor of a scenario whose load reacts to the supply (Scenario.motor). */
export interface ReactingMotor {
  /** Locked-rotor current as a multiple of rated current, k_LR (NEMA design B: about 6). */
  readonly lockedRotorRatio: number;
  /** Power factor at locked rotor, cos φ_LR (about 0.3 for a small motor). */
  readonly lockedRotorPowerFactor: number;
}

export const defaultReactingMotor: ReactingMotor = { lockedRotorRatio: 6, lockedRotorPowerFactor: 0.3 };

/** A voltage below this share of nominal is an open phase to the motor. */
export const openPhaseRatio = 0.05;
/** The positive-sequence voltage the constant-power current is held at below, per unit. */
const stallFloor = 0.5;

/** The operator a = 1∠120° as (re, im). */
const aRe = -0.5;
const aIm = Math.sqrt(3) / 2;

/** What the motor needs of its rating: nominal phase voltage, rated current per phase, displacement angle. */
export interface MotorRating {
  readonly phaseVoltage: number;
  readonly ratedCurrent: number;
  /** Displacement angle at rated load, radians (acos of the power factor). */
  readonly displacement: number;
  readonly motor: ReactingMotor;
}

/**
 * The motor's line currents (fundamental phasors, RMS) for the terminal voltages `vRe`/`vIm`
 * (RMS phasors, L1..L3) at mechanical load `load` (1 = rated), written into `iRe`/`iIm`.
 */
export function motorCurrents(rating: MotorRating, load: number, vRe: ArrayLike<number>, vIm: ArrayLike<number>, iRe: Float64Array,
  iIm: Float64Array): void {
  const un = rating.phaseVoltage;
  const inRated = rating.ratedCurrent * load;
  iRe.fill(0);
  iIm.fill(0);
  let open = -1;
  let openCount = 0;
  for (let p = 0; p < 3; p++) {
    if (Math.hypot(vRe[p] ?? 0, vIm[p] ?? 0) < openPhaseRatio * un) {
      open = p;
      openCount++;
    }
  }
  if (openCount >= 2 || inRated === 0) return;
  const phi = rating.displacement;
  if (openCount === 1) {
    // Single phasing: one loop through the two remaining lines, √3·I at the line voltage's angle less φ.
    const x = (open + 1) % 3;
    const y = (open + 2) % 3;
    const dRe = (vRe[x] ?? 0) - (vRe[y] ?? 0);
    const dIm = (vIm[x] ?? 0) - (vIm[y] ?? 0);
    const angle = Math.atan2(dIm, dRe) - phi;
    const magnitude = Math.sqrt(3) * inRated;
    iRe[x] = magnitude * Math.cos(angle);
    iIm[x] = magnitude * Math.sin(angle);
    iRe[y] = -(iRe[x] ?? 0);
    iIm[y] = -(iIm[x] ?? 0);
    return;
  }
  // V1 = (Va + a·Vb + a²·Vc)/3, V2 = (Va + a²·Vb + a·Vc)/3.
  const [aR, bR, cR] = [vRe[0] ?? 0, vRe[1] ?? 0, vRe[2] ?? 0];
  const [aI, bI, cI] = [vIm[0] ?? 0, vIm[1] ?? 0, vIm[2] ?? 0];
  const v1Re = (aR + aRe * bR - aIm * bI + aRe * cR + aIm * cI) / 3;
  const v1Im = (aI + aRe * bI + aIm * bR + aRe * cI - aIm * cR) / 3;
  const v2Re = (aR + aRe * bR + aIm * bI + aRe * cR - aIm * cI) / 3;
  const v2Im = (aI + aRe * bI - aIm * bR + aRe * cI + aIm * cR) / 3;
  const reversed = Math.hypot(v2Re, v2Im) > Math.hypot(v1Re, v1Im);
  // The sequence the motor turns with (f, "forward") and the one against it (b, "backward").
  const [fRe, fIm, bRe, bIm] = reversed ? [v2Re, v2Im, v1Re, v1Im] : [v1Re, v1Im, v2Re, v2Im];
  const f = Math.hypot(fRe, fIm);
  const i1 = inRated * un / Math.max(f, stallFloor * un);
  const fAngle = Math.atan2(fIm, fRe) - phi;
  const i1Re = i1 * Math.cos(fAngle);
  const i1Im = i1 * Math.sin(fAngle);
  // I2 = V2 · k_LR·In/Un · e^{−jφ_LR}: In here is the rating, not the load (the locked-rotor impedance is the machine's).
  const y2 = rating.motor.lockedRotorRatio * rating.ratedCurrent / un;
  const phiLr = Math.acos(rating.motor.lockedRotorPowerFactor);
  const c = Math.cos(-phiLr);
  const s = Math.sin(-phiLr);
  const i2Re = y2 * (bRe * c - bIm * s);
  const i2Im = y2 * (bRe * s + bIm * c);
  // Ia = I1 + I2, Ib = a²·I1 + a·I2, Ic = a·I1 + a²·I2 for the forward sequence; swapped when reversed.
  const [pRe, pIm, nRe, nIm] = reversed ? [i2Re, i2Im, i1Re, i1Im] : [i1Re, i1Im, i2Re, i2Im];
  iRe[0] = pRe + nRe;
  iIm[0] = pIm + nIm;
  iRe[1] = aRe * pRe + aIm * pIm + aRe * nRe - aIm * nIm;
  iIm[1] = aRe * pIm - aIm * pRe + aRe * nIm + aIm * nRe;
  iRe[2] = aRe * pRe - aIm * pIm + aRe * nRe + aIm * nIm;
  iIm[2] = aRe * pIm + aIm * pRe + aRe * nIm - aIm * nRe;
}

/** Complex division (re, im) = x / y, zero when y is. */
export function divide(x: Complex, y: Complex): Complex {
  const d = y.re * y.re + y.im * y.im;
  if (d === 0) return { re: 0, im: 0 };
  return { re: (x.re * y.re + x.im * y.im) / d, im: (x.im * y.re - x.re * y.im) / d };
}
