// Complex numbers for phasors. A phasor's magnitude is the RMS value of its sinusoid and its
// argument the phase angle in radians, counter-clockwise positive (IEC 60050-131).

export interface Complex {
  readonly re: number;
  readonly im: number;
}

export const complex = (re: number, im = 0): Complex => ({ re, im });
/** A phasor from magnitude and angle in radians. */
export const polar = (magnitude: number, angle: number): Complex => ({ re: magnitude * Math.cos(angle), im: magnitude * Math.sin(angle) });
/** A phasor from magnitude and angle in degrees. */
export const polarDeg = (magnitude: number, angleDeg: number): Complex => polar(magnitude, (angleDeg * Math.PI) / 180);

export const add = (x: Complex, y: Complex): Complex => ({ re: x.re + y.re, im: x.im + y.im });
export const sub = (x: Complex, y: Complex): Complex => ({ re: x.re - y.re, im: x.im - y.im });
export const mul = (x: Complex, y: Complex): Complex => ({ re: x.re * y.re - x.im * y.im, im: x.re * y.im + x.im * y.re });
export const scale = (x: Complex, k: number): Complex => ({ re: x.re * k, im: x.im * k });
export const conj = (x: Complex): Complex => ({ re: x.re, im: -x.im });
export const abs = (x: Complex): number => Math.hypot(x.re, x.im);
/** Argument in radians, in (−π, π]. */
export const arg = (x: Complex): number => Math.atan2(x.im, x.re);
export const sum = (...xs: readonly Complex[]): Complex => xs.reduce(add, complex(0));

/** The Fortescue operator a = 1∠120°. */
export const A = polarDeg(1, 120);
/** a² = 1∠240°. */
export const A2 = polarDeg(1, 240);

/** The angle in degrees normalised to (−180, 180]. */
export function wrapDegrees(angle: number): number {
  const wrapped = ((angle % 360) + 360) % 360;
  return wrapped > 180 ? wrapped - 360 : wrapped;
}
