// Three of a kind, one per phase, in the order L1, L2, L3.
export type ThreePhase<T> = readonly [l1: T, l2: T, l3: T];

export const mapPhases = <T, U>(values: ThreePhase<T>, f: (value: T, index: 0 | 1 | 2) => U): ThreePhase<U> =>
  [f(values[0], 0), f(values[1], 1), f(values[2], 2)];
