// The median of a benchmark's runs, its ratio to the reference and whether the target is met.
import type { Benchmark, Measurement } from './index.ts';

export interface Summary {
  readonly met: boolean;
  readonly ratio: number;
  /** For the terminal. */
  readonly text: string;
  /** A section for docs/benchmarks.md. */
  readonly markdown: string;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] ?? Number.NaN : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const format = (value: number): string =>
  Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en-US') : Number(value.toPrecision(4)).toString();

export function summarise(benchmark: Benchmark, measurements: readonly Measurement[], context: { date: string; machine: string }): Summary {
  const first = measurements[0];
  if (first === undefined) throw new RangeError(`benchmark ${benchmark.name} produced no measurement`);
  const figure = median(measurements.map((m) => m.figure.value));
  const reference = median(measurements.map((m) => m.reference.value));
  const ratio = figure / reference;
  const met = 'atLeast' in benchmark.target ? ratio >= benchmark.target.atLeast : ratio <= benchmark.target.atMost;
  const targetText = 'atLeast' in benchmark.target ? `≥ ${benchmark.target.atLeast}` : `≤ ${benchmark.target.atMost}`;
  const extraKeys = Object.keys(first.extra ?? {});
  const extras = extraKeys.map((key) => `${key} = ${format(median(measurements.map((m) => m.extra?.[key] ?? Number.NaN)))}`);
  const verdict = met ? 'met' : 'MISSED';
  const text = [
    `${benchmark.name}: ${benchmark.title}`,
    `  ${first.figure.label}: ${format(figure)} ${first.figure.unit} (median of ${measurements.length})`,
    `  ${first.reference.label} (${first.reference.kind}): ${format(reference)} ${first.reference.unit}`,
    `  ratio ${format(ratio)} (target ${targetText}): ${verdict}`,
    ...extras.map((e) => `  ${e}`),
  ].join('\n');
  const markdown = [
    `### ${benchmark.name} — ${context.date}`,
    '',
    `${benchmark.title}. ${context.machine}; median of ${measurements.length} runs.`,
    '',
    '| what | value |',
    '|---|---|',
    `| ${first.figure.label} | ${format(figure)} ${first.figure.unit} |`,
    `| ${first.reference.label} (${first.reference.kind}) | ${format(reference)} ${first.reference.unit} |`,
    `| ratio (target ${targetText}) | ${format(ratio)}: ${verdict} |`,
    ...extraKeys.map((key, i) => `| ${key} | ${extras[i]?.split(' = ')[1] ?? ''} |`),
  ].join('\n');
  return { met, ratio, text, markdown };
}
