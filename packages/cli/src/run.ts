// Runs the phasewire program on an argument list and turns every outcome into an exit code:
// 0 success; 2 a usage, validation or configuration error (the message says what was expected);
// 1 any other failure. A stack trace is printed only with PHASEWIRE_DEBUG=1.
import { Command, CommanderError } from 'commander';
import { PhasewireError } from '@phasewire/core';
import type { CliIo } from './io.ts';
import { registerMeter } from './commands/meter.ts';
import { registerDemo } from './commands/demo.ts';
import { registerPki } from './commands/pki.ts';
import { registerAgent } from './commands/agent.ts';
import { registerGateway } from './commands/gateway.ts';
import { registerServer } from './commands/server.ts';
import { registerBilling } from './commands/billing.ts';
import { registerExport } from './commands/export.ts';
import { registerFirmware } from './commands/firmware.ts';
import { registerBackup } from './commands/backup.ts';

export const version = '0.1.0';

export function buildProgram(io: CliIo): Command {
  const program = new Command('phasewire')
    .description('Secure remote data exchange for three-phase smart energy meters.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  registerMeter(program, io);
  registerAgent(program, io);
  registerGateway(program, io);
  registerDemo(program, io);
  registerPki(program, io);
  registerServer(program, io);
  registerBilling(program, io);
  registerExport(program, io);
  registerFirmware(program, io);
  registerBackup(program, io);
  // The program's own options (--version, --help) only before the subcommand, so that a
  // subcommand may have a --version of its own (`phasewire firmware add --version 1.4.0`). Set
  // after the subcommands exist: commander copies the setting into every command made after it,
  // and `server reset-password --data-dir .` needs `server`'s options after its subcommand.
  program.enablePositionalOptions();
  return program;
}

function applyExitOverride(command: Command): void {
  command.exitOverride();
  command.configureOutput({ writeOut: (text) => { command.parent?.configureOutput().writeOut?.(text); } });
  for (const sub of command.commands) applyExitOverride(sub);
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  for (const sub of program.commands) applyExitOverride(sub);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error: unknown) {
    if (error instanceof CommanderError) {
      // Commander has already written its own message (help, version or the usage error).
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof PhasewireError) {
      io.err(`phasewire: ${error.message} [${error.code}]\n`);
      if (io.env['PHASEWIRE_DEBUG'] === '1') io.err(`${error.stack ?? ''}\n`);
      return error.family === 'validation' || error.family === 'config' ? 2 : 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(`phasewire: unexpected failure: ${message}\n`);
    if (io.env['PHASEWIRE_DEBUG'] === '1' && error instanceof Error) io.err(`${error.stack ?? ''}\n`);
    else io.err('(set PHASEWIRE_DEBUG=1 for the stack trace)\n');
    return 1;
  }
}
