// Money as the API sends it (integer minor units) shown exactly: string arithmetic, never a float.

/** `1234, 2` → `12.34`; `-5, 2` → `-0.05`. */
export function formatMinor(minor: number, digits = 2): string {
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const body = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return minor < 0 ? `-${body}` : body;
}

/** A share 0..1 as a percent with one decimal. */
export const formatShare = (share: number): string => `${(share * 100).toFixed(1)} %`;
