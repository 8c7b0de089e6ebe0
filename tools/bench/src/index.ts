// The contract of a benchmark. A file `packages/<pkg>/bench/<name>.bench.ts` default-exports a
// Benchmark; `npm run bench -- <name>` runs it several times, takes the median of each figure,
// prints the figure, the limit or peer measured in the same run, and the ratio, and appends the
// result to docs/benchmarks.md. Targets are ratios to a reference measured in the same run,
// because absolute times drift on shared machines (docs/benchmarks.md).

/** The median of a list of figures, for benchmarks that take medians inside one measurement. */
export { median } from './summary.ts';

export interface Figure {
  readonly label: string;
  readonly value: number;
  readonly unit: string;
}

export interface Measurement {
  /** What phasewire achieved. */
  readonly figure: Figure;
  /** The limit or peer it is compared with, measured in the same run (or a fixed target limit). */
  readonly reference: Figure & { readonly kind: 'peer' | 'limit' };
  /** Other figures worth recording (medians are taken of numbers). */
  readonly extra?: Readonly<Record<string, number>>;
}

export interface Benchmark {
  readonly name: string;
  /** One line: what is measured and against what. */
  readonly title: string;
  /**
   * The target as a bound on figure / reference: `{ atLeast: 0.9 }` for throughput against a peer,
   * `{ atMost: 1 }` for a cost against a limit.
   */
  readonly target: { readonly atLeast: number } | { readonly atMost: number };
  /** How many times to measure (the median is reported); 5 unless said. */
  readonly runs?: number;
  measure(): Promise<Measurement>;
}
