// Symmetrical components (C. L. Fortescue, "Method of symmetrical co-ordinates applied to the
// solution of polyphase networks", AIEE Trans. 37, 1918), with a = 1∠120°:
//   X0 = (Xa + Xb + Xc)/3,   X1 = (Xa + a·Xb + a²·Xc)/3,   X2 = (Xa + a²·Xb + a·Xc)/3
// For a positive-sequence system (L2 lagging L1 by 120°) X1 = Xa and X0 = X2 = 0.
import { A, A2, add, mul, scale, sum, type Complex } from './complex.ts';
import type { ThreePhase } from './three-phase.ts';

export interface SequenceComponents {
  readonly zero: Complex;
  readonly positive: Complex;
  readonly negative: Complex;
}

export function symmetricalComponents([a, b, c]: ThreePhase<Complex>): SequenceComponents {
  return {
    zero: scale(sum(a, b, c), 1 / 3),
    positive: scale(add(add(a, mul(A, b)), mul(A2, c)), 1 / 3),
    negative: scale(add(add(a, mul(A2, b)), mul(A, c)), 1 / 3),
  };
}

/** The phase quantities back from their components (the inverse transform). */
export function fromSymmetricalComponents({ zero, positive, negative }: SequenceComponents): ThreePhase<Complex> {
  return [
    sum(zero, positive, negative),
    sum(zero, mul(A2, positive), mul(A, negative)),
    sum(zero, mul(A, positive), mul(A2, negative)),
  ];
}
