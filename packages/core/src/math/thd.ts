// Total harmonic distortion relative to the fundamental (IEC 61000-4-7 §3.3.2 "THD", IEC 61000-4-30
// uses harmonics up to order 40):  THD = sqrt(Σ_{h=2..H} X_h²) / X_1.
import { ValidationError } from '../errors.ts';

/** THD from a spectrum of RMS magnitudes indexed by harmonic order (index 1 = fundamental; 0 = DC, ignored). */
export function thd(spectrum: ArrayLike<number>, maxOrder = 40): number {
  const fundamental = spectrum[1];
  if (fundamental === undefined || !Number.isFinite(fundamental) || fundamental < 0) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', 'Cannot compute THD: expected the fundamental at index 1 of the spectrum '
      + `as a finite, non-negative magnitude, found ${String(fundamental)}`);
  }
  if (fundamental === 0) return 0;
  let acc = 0;
  for (let h = 2; h <= Math.min(maxOrder, spectrum.length - 1); h++) {
    const x = spectrum[h] ?? 0;
    acc += x * x;
  }
  return Math.sqrt(acc) / fundamental;
}
