// `phasewire backup --data-dir D --out FILE`: an online snapshot of a server's data directory (its
// SQLite databases copied consistently while the server runs, and every other file) into one
// gzip-compressed tar with a manifest of checksums. `phasewire restore --in FILE --data-dir D
// [--force]`: the archive back, checked file by file first. docs/operations.md, "Backup and restore".
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { backupDataDir, restoreBackup } from '@phasewire/server/node';
import type { CliIo } from '../io.ts';

const mib = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MiB`;

export function registerBackup(program: Command, io: CliIo): void {
  program.command('backup')
    .description('write a consistent snapshot of a data directory (also while the server runs) to a new archive')
    .requiredOption('--data-dir <dir>', 'the server\'s data directory')
    .requiredOption('--out <file>', 'the archive to write (.tar.gz); it must not exist')
    .option('--config <file>', 'configuration file (default <data-dir>/phasewire.json when it exists)')
    .action(async (options: { dataDir: string; out: string; config?: string }) => {
      const report = await backupDataDir({
        dataDir: resolve(io.cwd, options.dataDir), out: resolve(io.cwd, options.out),
        ...(options.config === undefined ? {} : { config: resolve(io.cwd, options.config) }),
      });
      const { manifest } = report;
      const databases = manifest.files.filter((file) => file.kind === 'sqlite');
      io.out(`backup written: ${report.out} (${mib(report.bytes)})\n`);
      io.out(`  started ${manifest.startedAt}: every reading acknowledged before then is in it\n`);
      io.out(`  ${manifest.files.length} files, ${databases.length} SQLite databases copied online: `
        + `${databases.map((file) => file.path).join(', ')}\n`);
      io.out(`  keys: ${manifest.keys.note}\n`);
      if (manifest.store.kind === 'postgres') io.out(`  store: ${manifest.store.note}\n`);
    });

  program.command('restore')
    .description('restore a phasewire backup archive into a data directory, after checking every file against its manifest')
    .requiredOption('--in <file>', 'the archive phasewire backup wrote')
    .requiredOption('--data-dir <dir>', 'the data directory to restore into: empty or new')
    .option('--force', 'replace a data directory that is not empty')
    .action(async (options: { in: string; dataDir: string; force?: boolean }) => {
      const report = await restoreBackup({
        archive: resolve(io.cwd, options.in), dataDir: resolve(io.cwd, options.dataDir), force: options.force === true,
      });
      const { manifest } = report;
      io.out(`restored ${manifest.files.length} files (checksums verified) from the backup started ${manifest.startedAt} `
        + `into ${report.dataDir}\n`);
      if (!manifest.keys.inArchive) io.out(`  keys: ${manifest.keys.note}\n`);
      if (manifest.store.kind === 'postgres') io.out(`  store: ${manifest.store.note}\n`);
      io.out(`start it with: phasewire server --data-dir ${report.dataDir}\n`);
    });
}
