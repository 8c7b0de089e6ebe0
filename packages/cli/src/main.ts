#!/usr/bin/env node
// The `phasewire` command. Run through npm (`npm run phasewire -- …`, `npx phasewire …`) so that
// the Node 24 pinned in the repository runs it.
import process from 'node:process';
import { runCli } from './run.ts';
import { keepRunningWhenLogBreaks } from './log-sink.ts';

// A reader that stops early (`phasewire meter simulate | head`) closes the pipe: that is the end of
// the output, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

keepRunningWhenLogBreaks(process.stderr);

// The first SIGINT or SIGTERM asks the command to stop cleanly (io.interrupted); a second one ends
// the process at once: handling a signal replaces Node's default exit, so it must never be left
// to a command that is not listening.
let signals = 0;
const interrupted = new Promise<void>((resolve) => {
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals === 1) { resolve(); return; }
    process.stderr.write(`phasewire: ${signal} again: stopping now\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
});

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  interactive: process.stdout.isTTY,
  errInteractive: process.stderr.isTTY,
  interrupted,
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
});

// The command is over. Whatever it could not close (a failed start's connection that never
// answers) must not keep the process up, deaf to signals: after a moment for the output to
// drain, it ends with the command's exit code.
setTimeout(() => { process.exit(); }, 1000).unref();
