#!/usr/bin/env node
// The `phasewire` command. Run through npm (`npm run phasewire -- …`, `npx phasewire …`) so that
// the Node 24 pinned in the repository runs it.
import process from 'node:process';
import { runCli } from './run.ts';

// A reader that stops early (`phasewire meter simulate | head`) closes the pipe: that is the end of
// the output, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const interrupted = new Promise<void>((resolve) => {
  process.once('SIGINT', () => { resolve(); });
  process.once('SIGTERM', () => { resolve(); });
});

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  interactive: process.stdout.isTTY,
  interrupted,
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
});
