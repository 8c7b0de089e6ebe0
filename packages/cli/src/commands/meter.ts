// `phasewire meter …`: the simulated meter of the sensing layer.
import type { Command } from 'commander';
import { catalogue, parseMeterId, quantity, ValidationError, type QuantityDefinition, type Snapshot } from '@phasewire/core';
import { createSimulatedMeter, findScenario, scenarios } from '@phasewire/meter';
import type { CliIo } from '../io.ts';
import { parseChoice, parseDuration, parseInstant, parseInteger } from '../options.ts';

interface SimulateOptions {
  scenario: string;
  duration: string;
  interval: string;
  format: string;
  mode: string;
  seed: string;
  start: string;
  meter: string;
  quantities?: string;
}

/** Upper bound on the intervals one command prints, against a typo such as `--duration 1000d --interval 1s`. */
const maxIntervals = 1_000_000;

export function registerMeter(program: Command, io: CliIo): void {
  const meter = program.command('meter').description('The simulated three-phase meter (sensing and metrology).');

  meter.command('scenarios')
    .description('List the built-in scenarios.')
    .action(() => {
      const width = Math.max(...scenarios.map((s) => s.name.length));
      for (const s of scenarios) io.out(`${s.name.padEnd(width)}  ${s.description}\n`);
    });

  meter.command('simulate')
    .description('Simulate a meter and print its readings, one per quantity per interval.')
    .requiredOption('--scenario <name>', 'built-in scenario (see `phasewire meter scenarios`)')
    .option('--duration <time>', 'simulated time to cover, e.g. 1h, 90m, 2d', '1h')
    .option('--interval <time>', 'reporting interval, e.g. 1m, 15m', '15m')
    .option('--format <format>', 'csv or json (one JSON object per line)', 'csv')
    .option('--mode <mode>', 'waveform (sampled VT/CT signals) or phasor (analytic)', 'phasor')
    .option('--seed <n>', 'seed of the simulation: the same seed gives the same readings', '1')
    .option('--start <time>', 'ISO 8601 start time', '2026-01-01T00:00:00Z')
    .option('--meter <id>', 'meter id to put on the readings', 'sim-meter-1')
    .option('--quantities <list>', 'comma-separated OBIS codes or keys to print (default: all)')
    .action((options: SimulateOptions) => {
      const scenario = findScenario(options.scenario);
      const duration = parseDuration('--duration', options.duration);
      const interval = parseDuration('--interval', options.interval);
      const format = parseChoice('--format', options.format, ['csv', 'json'] as const);
      const mode = parseChoice('--mode', options.mode, ['waveform', 'phasor'] as const);
      const seed = parseInteger('--seed', options.seed, 0, 0xffff_ffff);
      const start = parseInstant('--start', options.start);
      const meterId = parseMeterId(options.meter);
      const selected = options.quantities === undefined ? catalogue : options.quantities.split(',').map((q) => quantity(q.trim()));
      if (interval > duration) {
        throw new ValidationError('PW_ERR_INVALID_OPTION', `Invalid --interval ${options.interval}: it is longer than --duration ${options
          .duration}; expected an interval no longer than the duration`);
      }
      if (duration / interval > maxIntervals) {
        throw new ValidationError('PW_ERR_INVALID_OPTION', `Invalid --duration ${options.duration} with --interval ${options
          .interval}: ${Math.floor(duration / interval)} intervals; expected at most ${maxIntervals}`);
      }
      const sim = createSimulatedMeter({ meter: meterId, scenario, mode, seed, start });
      if (format === 'csv') io.out('meter,time,obis,quantity,value,unit\n');
      for (let t = start + interval; t <= start + duration; t += interval) {
        io.out(format === 'csv' ? toCsv(sim.advanceTo(t), selected) : toJsonLines(sim.advanceTo(t), selected));
      }
    });
}

/** Twelve significant digits: beyond any meter's accuracy, and free of binary rounding noise (0.9000000000000002). */
const printable = (value: number): number => Number(value.toPrecision(12));

function toCsv(snapshot: Snapshot, selected: readonly QuantityDefinition[]): string {
  const time = new Date(snapshot.at).toISOString();
  let text = '';
  for (const q of selected) {
    const value = snapshot.values.get(q.obis);
    if (value !== undefined) text += `${snapshot.meter},${time},${q.obis},${q.key},${printable(value)},${q.unit}\n`;
  }
  return text;
}

function toJsonLines(snapshot: Snapshot, selected: readonly QuantityDefinition[]): string {
  const time = new Date(snapshot.at).toISOString();
  let text = '';
  for (const q of selected) {
    const value = snapshot.values.get(q.obis);
    if (value !== undefined) {
      text += `${JSON.stringify({ meter: snapshot.meter, time, obis: q.obis, quantity: q.key, value: printable(value), unit: q.unit })}\n`;
    }
  }
  return text;
}
