// RMS and the fundamental phasor from uniformly spaced samples.
import { ValidationError } from '../errors.ts';
import { complex, type Complex } from './complex.ts';

function requireSamples(what: string, samples: ArrayLike<number>): void {
  if (samples.length === 0) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot compute ${what} of no samples: expected at least one sample`);
  }
}

/** Root mean square of the samples: sqrt(Σx²/N). Exact over a whole number of cycles. */
export function rms(samples: ArrayLike<number>): number {
  requireSamples('the RMS', samples);
  let acc = 0;
  for (let n = 0; n < samples.length; n++) {
    const x = samples[n] ?? 0;
    acc += x * x;
  }
  return Math.sqrt(acc / samples.length);
}

/** Mean of the product of two equally long sample sets: the active power of v and i. */
export function meanProduct(a: ArrayLike<number>, b: ArrayLike<number>): number {
  requireSamples('the mean product', a);
  if (a.length !== b.length) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot multiply sample sets of ${a.length} and ${b.length} samples: `
      + 'expected equal lengths');
  }
  let acc = 0;
  for (let n = 0; n < a.length; n++) acc += (a[n] ?? 0) * (b[n] ?? 0);
  return acc / a.length;
}

/**
 * The RMS phasor of one harmonic by a single-bin DFT over a window of `cycles` whole cycles
 * (IEC 61000-4-7: a rectangular window synchronised to 10 or 12 cycles). A cosine of peak X and
 * phase φ gives X/√2 ∠ φ.
 */
export function harmonicPhasor(samples: ArrayLike<number>, cycles: number, harmonic: number): Complex {
  requireSamples('a harmonic phasor', samples);
  const n = samples.length;
  const w = (2 * Math.PI * cycles * harmonic) / n;
  let re = 0;
  let im = 0;
  for (let k = 0; k < n; k++) {
    const x = samples[k] ?? 0;
    re += x * Math.cos(w * k);
    im -= x * Math.sin(w * k);
  }
  const norm = Math.SQRT2 / n;
  return complex(re * norm, im * norm);
}
