#!/usr/bin/env node
// `npm run bench -- <name> [<name> …] [--runs N] [--no-write]`: runs the named benchmarks
// (`packages/*/bench/<name>.bench.ts`), prints the median figure, the limit or peer measured in
// the same run and their ratio, and appends the result to docs/benchmarks.md. `npm run bench`
// alone lists the benchmarks. Exit code 1 when a benchmark misses its target.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { globSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Benchmark, Measurement } from './index.ts';
import { summarise, type Summary } from './summary.ts';

const root = resolve(import.meta.dirname, '../../..');
const docsFile = join(root, 'docs/benchmarks.md');
const resultsMarker = '## Results';

function discover(): Map<string, string> {
  const files = globSync('packages/*/bench/*.bench.ts', { cwd: root });
  return new Map(files.map((file) => [basename(file, '.bench.ts'), join(root, file)]));
}

async function load(file: string): Promise<Benchmark> {
  const module = await import(pathToFileURL(file).href) as { default?: Benchmark };
  if (module.default === undefined || typeof module.default.measure !== 'function') {
    throw new Error(`${file} does not default-export a Benchmark (see tools/bench/src/index.ts)`);
  }
  return module.default;
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

function record(summary: Summary): void {
  if (!existsSync(docsFile)) writeFileSync(docsFile, `# Benchmarks\n\n${resultsMarker}\n`);
  const text = readFileSync(docsFile, 'utf8');
  if (!text.includes(resultsMarker)) appendFileSync(docsFile, `\n${resultsMarker}\n`);
  appendFileSync(docsFile, `\n${summary.markdown}\n`);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { runs: { type: 'string' }, 'no-write': { type: 'boolean', default: false } },
  });
  const available = discover();
  if (positionals.length === 0) {
    console.log('usage: npm run bench -- <name> [<name> …] [--runs N] [--no-write]\n\nbenchmarks:');
    for (const [name, file] of [...available].sort()) console.log(`  ${name.padEnd(24)} ${file.slice(root.length + 1)}`);
    return;
  }
  const unknown = positionals.filter((name) => !available.has(name));
  if (unknown.length > 0) {
    console.error(`bench: unknown benchmark ${unknown.join(', ')}: expected one of ${[...available.keys()].sort().join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const runsOverride = values.runs === undefined ? undefined : Number(values.runs);
  if (runsOverride !== undefined && !(Number.isInteger(runsOverride) && runsOverride > 0)) {
    console.error(`bench: invalid --runs ${values.runs}: expected a whole number above zero`);
    process.exitCode = 2;
    return;
  }
  let missed = 0;
  for (const name of positionals) {
    const benchmark = await load(available.get(name) ?? '');
    const runs = runsOverride ?? benchmark.runs ?? 5;
    const measurements: Measurement[] = [];
    for (let run = 1; run <= runs; run++) {
      if (process.stderr.isTTY) process.stderr.write(`${name}: run ${run}/${runs}\r`);
      measurements.push(await benchmark.measure());
    }
    if (process.stderr.isTTY) process.stderr.write('\n');
    const summary = summarise(benchmark, measurements, { date: new Date().toISOString().slice(0, 10), machine: machine() });
    console.log(summary.text);
    if (!summary.met) missed++;
    if (!values['no-write']) record(summary);
  }
  if (missed > 0) process.exitCode = 1;
}

await main();
