// Neutral current. In a four-wire system the neutral carries the phasor sum of the phase
// currents, Ia + Ib + Ic = 3·I0 (Kirchhoff's current law at the star point).
import { abs, sum, type Complex } from './complex.ts';
import { ValidationError } from '../errors.ts';
import type { ThreePhase } from './three-phase.ts';

/** RMS neutral current of the fundamental from the three phase-current phasors. */
export function neutralCurrent([a, b, c]: ThreePhase<Complex>): number {
  return abs(sum(a, b, c));
}

/**
 * RMS neutral current from sampled phase currents: the RMS of their instantaneous sum. Unlike the
 * phasor form it includes the triplen harmonics (3rd, 9th, …), which add in the neutral instead
 * of cancelling: a non-linear load can load the neutral beyond any phase.
 */
export function neutralCurrentFromSamples(l1: ArrayLike<number>, l2: ArrayLike<number>, l3: ArrayLike<number>): number {
  const n = l1.length;
  if (n === 0 || l2.length !== n || l3.length !== n) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot sum phase currents of ${l1.length}, ${l2.length} and ${l3.length} `
      + 'samples: expected three equal, non-empty sample sets');
  }
  let acc = 0;
  for (let k = 0; k < n; k++) {
    const x = (l1[k] ?? 0) + (l2[k] ?? 0) + (l3[k] ?? 0);
    acc += x * x;
  }
  return Math.sqrt(acc / n);
}
