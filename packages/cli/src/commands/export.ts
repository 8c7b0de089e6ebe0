// `phasewire export greenbutton --meter ID --from T --to T`: a meter's interval data as a Green
// Button feed (NAESB ESPI 3.3 Atom XML), written to a file; `phasewire export intervals` does the
// same as CSV. Both read the store of a server's data directory (also while the server runs: SQLite
// in WAL mode, or PostgreSQL) through the same code as the API's export routes (docs/billing.md).
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseMeterId, ValidationError, findQuantity } from '@phasewire/core';
import { checkTimeZone, greenButtonFeed, intervalCsv, registerIntervals } from '@phasewire/api';
import { inData } from '@phasewire/server/node';
import { openMeterStore } from '@phasewire/store/node';
import type { CliIo } from '../io.ts';
import { parseInstant } from '../options.ts';
import { loadServerConfig } from './server.ts';

interface ExportFlags {
  meter: string;
  from: string;
  to: string;
  tz: string;
  out?: string;
  dataDir: string;
  config?: string;
}

const maxSpanMs = 366 * 86_400_000;
const systemClock = { now: () => Date.now() };

function exportOptions(command: Command): Command {
  return command
    .requiredOption('--meter <id>', 'the meter id')
    .requiredOption('--from <time>', 'start, ISO 8601 with a zone (2026-11-01T00:00:00+01:00)')
    .requiredOption('--to <time>', 'end (exclusive), ISO 8601 with a zone')
    .option('--tz <zone>', 'IANA time zone of the customer\'s local days and times', 'UTC')
    .option('--out <file>', 'where to write (default <meter>-greenbutton.xml or <meter>-intervals.csv)')
    .option('--data-dir <dir>', 'the data directory of the server whose store is read', './data')
    .option('--config <file>', 'configuration file (default <data-dir>/phasewire.json when it exists)');
}

async function run(io: CliIo, flags: ExportFlags, kind: 'greenbutton' | 'intervals'): Promise<void> {
  const meter = parseMeterId(flags.meter);
  const range = { from: parseInstant('--from', flags.from), to: parseInstant('--to', flags.to) };
  if (range.to <= range.from || range.to - range.from > maxSpanMs) throw new ValidationError('PW_ERR_INVALID_OPTION',
    `Invalid --from/--to: ${flags.from} to ${flags.to}; expected --to after --from, at most 366 days apart`);
  try {
    checkTimeZone(flags.tz);
  } catch (error) {
    throw new ValidationError('PW_ERR_INVALID_OPTION', `Invalid --tz ${JSON.stringify(flags.tz)}: expected an IANA time zone such as `
      + 'Europe/Berlin', { cause: error });
  }
  const { dataDir, config } = await loadServerConfig(io, { dataDir: flags.dataDir, ...(flags.config === undefined ? {} : { config: flags
    .config }) });
  const storeConfig = config.store.kind === 'sqlite' ? { ...config.store, path: inData(dataDir, config.store.path) } : config.store;
  const store = await openMeterStore(storeConfig, systemClock);
  let text: string;
  let count: number;
  try {
    const series = await registerIntervals(store, meter, range);
    count = series.reduce((n, s) => n + s.intervals.filter((i) => i.value !== null).length, 0);
    text = kind === 'greenbutton'
      ? greenButtonFeed({ meter, timeZone: flags.tz, range, generatedAt: systemClock.now(), baseUri: 'https://localhost/espi/1_1/resource',
        series })
      : intervalCsv(series.map((s) => ({ meter, quantity: s.quantity, unit: findQuantity(s.quantity)?.unit ?? '',
        intervals: s.intervals })), flags.tz);
  } finally {
    await store.close();
  }
  const out = resolve(io.cwd, flags.out ?? `${meter}-${kind === 'greenbutton' ? 'greenbutton.xml' : 'intervals.csv'}`);
  await writeFile(out, text);
  io.out(`${out}\n`);
  io.err(`${count} intervals of meter ${meter} from ${new Date(range.from).toISOString()} to ${new Date(range.to).toISOString()}\n`);
}

export function registerExport(program: Command, io: CliIo): void {
  const command = program.command('export').description('Export interval data for billing and customers (docs/billing.md, "Exports").');
  exportOptions(command.command('greenbutton').description('A meter\'s interval data as a Green Button feed (NAESB ESPI 3.3 Atom XML).'))
    .action(async (flags: ExportFlags) => { await run(io, flags, 'greenbutton'); });
  exportOptions(command.command('intervals').description('A meter\'s interval data as CSV (RFC 4180).'))
    .action(async (flags: ExportFlags) => { await run(io, flags, 'intervals'); });
}
