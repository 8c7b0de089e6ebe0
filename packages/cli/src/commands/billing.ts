// `phasewire billing run --cycle YYYY-MM`: the bill run of a cycle against the server's data directory
// (its configuration's store and billing section), as the API's POST /billing/runs runs it: resumes
// a run that was interrupted, and creates nothing when the cycle was billed and nothing changed.
// `phasewire billing tariff validate <file>`: checks a tariff file against its schema and rules.
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ValidationError } from '@phasewire/core';
import { checkCycle, runBillingCycle } from '@phasewire/mdm';
import { readTariffFile } from '@phasewire/mdm/node';
import { inData } from '@phasewire/server/node';
import { openBillingStore, openMeterStore } from '@phasewire/store/node';
import type { CliIo } from '../io.ts';
import { loadServerConfig } from './server.ts';

const systemClock = { now: () => Date.now() };

export function registerBilling(program: Command, io: CliIo): void {
  const billing = program.command('billing').description('Bill runs and tariffs (docs/billing.md).');

  billing.command('run')
    .description('Run (or resume, or run again) the bill run of a cycle; prints its progress and what it did')
    .requiredOption('--cycle <YYYY-MM>', 'the billing cycle')
    .option('--data-dir <dir>', 'the server\'s data directory', './data')
    .option('--config <file>', 'configuration file (default <data-dir>/phasewire.json when it exists)')
    .action(async (flags: { cycle: string; dataDir: string; config?: string }) => {
      try {
        checkCycle(flags.cycle);
      } catch (error) {
        throw new ValidationError('PW_ERR_INVALID_OPTION', `Invalid value ${JSON.stringify(flags.cycle)} for --cycle: expected YYYY-MM`,
          { cause: error });
      }
      const { dataDir, config } = await loadServerConfig(io, { dataDir: flags.dataDir, ...(flags.config === undefined ? {} :
        { config: flags.config }) });
      const storeConfig = config.store.kind === 'sqlite' ? { ...config.store, path: inData(dataDir, config.store.path) } : config.store;
      const meters = await openMeterStore(storeConfig, systemClock);
      const store = await openBillingStore(storeConfig, systemClock);
      try {
        let shown = -1;
        const run = await runBillingCycle({ billing: store, meters, clock: systemClock }, flags.cycle, {
          actor: `cli:${userInfo().username}`, completenessLimit: config.billing.completenessLimit, batchSize: config.billing.batchSize,
          onOpened: (r) => { io.out(`bill run ${r.cycle}, pass ${r.pass}: ${r.done} of ${r.total} done before this start\n`); },
          onProgress: (done, total) => {
            const percent = Math.floor((100 * done) / Math.max(1, total));
            if (percent !== shown && (percent % 10 === 0 || done === total)) { shown = percent; io.out(`  ${done}/${total}\n`); }
          },
        });
        const c = run.counts;
        io.out(`bill run ${run.cycle}, pass ${run.pass}: ${run.state}, ${run.done} of ${run.total}: ${c.created} created, ${c.held} held `
          + `for review, ${c.rerated} re-rated, ${c.corrected} corrected, ${c.unchanged} unchanged, ${c.skipped} skipped\n`);
      } finally {
        await store.close();
        await meters.close();
      }
    });

  billing.command('tariff').description('Tariff files').command('validate <file>')
    .description('Check a tariff file against its schema and rules; prints the version it holds')
    .action(async (file: string) => {
      const path = resolve(io.cwd, file);
      // As a server reads one: strict UTF-8, a byte order mark skipped, every refusal naming the file.
      const tariff = await readTariffFile(path);
      io.out(`${path}: tariff ${tariff.id} version ${tariff.version} (${tariff.name}), ${tariff.currency}, ${tariff.timeZone}, effective `
        + `from ${tariff.effectiveFrom}${tariff.effectiveTo === undefined ? '' : ` to ${tariff.effectiveTo}`}, `
        + `${tariff.components.length} components: valid\n`);
    });
}
