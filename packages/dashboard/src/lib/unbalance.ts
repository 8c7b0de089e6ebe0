// The three voltage-unbalance figures, each named with the standard that defines it, never the
// common (max−min)/avg shortcut. The server computes them; the dashboard only labels and grades.

export type UnbalanceKey = 'vuf' | 'lvur' | 'pvur';
export type UnbalanceLevel = 'normal' | 'elevated' | 'over' | 'unknown';

export interface UnbalanceLabel {
  readonly key: UnbalanceKey;
  readonly name: string;
  readonly standard: string;
  readonly definition: string;
}

export const unbalanceLabels: readonly UnbalanceLabel[] = [
  {
    key: 'vuf', name: 'VUF', standard: 'IEC 61000-4-30',
    definition: 'Voltage unbalance factor: negative-sequence over positive-sequence voltage (IEC 61000-4-30 §5.7)',
  },
  {
    key: 'lvur', name: 'LVUR', standard: 'NEMA MG 1',
    definition: 'Line voltage unbalance rate: largest deviation of a line-to-line voltage from their average, over the '
      + 'average (NEMA MG 1 §14.35)',
  },
  {
    key: 'pvur', name: 'PVUR', standard: 'IEEE 112',
    definition: 'Phase voltage unbalance rate: largest deviation of a phase voltage from their average, over the average (IEEE 112)',
  },
];

// EN 50160 §4.2.5: 95 % of the week's 10-min VUF values stay within 2 % in low-voltage networks.
export const unbalanceLimit = 0.02;
// NEMA MG 1 §14.35: motor output is derated from 1 % unbalance upwards.
export const unbalanceDerating = 0.01;

/** Grades an unbalance ratio (0.027 = 2.7 %). */
export function unbalanceLevel(ratio: number | null | undefined): UnbalanceLevel {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return 'unknown';
  if (ratio >= unbalanceLimit) return 'over';
  if (ratio >= unbalanceDerating) return 'elevated';
  return 'normal';
}

/** `VUF (IEC 61000-4-30)`: the figure's name with its standard, for headings and screen readers. */
export function labelOf(key: UnbalanceKey): string {
  const label = unbalanceLabels.find((l) => l.key === key);
  return label === undefined ? key : `${label.name} (${label.standard})`;
}
