// `phasewire meter run` and `phasewire fleet simulate`: registration beside the existing meter
// command, and the refusals that come before any network work.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { parseMeterId, PhasewireError } from '@phasewire/core';
import { startTestHeadEnd } from '@phasewire/agent/testing';
import { bufferIo } from '../io.ts';
import { enrollmentToken, parseBrokerUrl, registerAgent } from './agent.ts';
import { registerMeter } from './meter.ts';

function program() {
  const io = bufferIo();
  const root = new Command('phasewire').exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  registerMeter(root, io);
  registerAgent(root, io);
  return root;
}

const refusedWith = (code: string) => (error: unknown): boolean => error instanceof PhasewireError && error.code === code;

describe('phasewire meter run and fleet simulate', () => {
  it('adds run beside the existing meter subcommands, and fleet simulate', () => {
    const root = program();
    const meter = root.commands.find((c) => c.name() === 'meter');
    assert.deepEqual(meter?.commands.map((c) => c.name()), ['scenarios', 'simulate', 'run']);
    assert.deepEqual(root.commands.find((c) => c.name() === 'fleet')?.commands.map((c) => c.name()), ['simulate']);
  });

  it('reads the broker from an mqtts URL only', () => {
    assert.deepEqual(parseBrokerUrl('mqtts://127.0.0.1:18883'), { host: '127.0.0.1', port: 18883 });
    assert.deepEqual(parseBrokerUrl('mqtts://[::1]'), { host: '::1', port: 8883 });
    assert.throws(() => parseBrokerUrl('mqtt://head-end:1883'), refusedWith('PW_ERR_INVALID_OPTION'));
    assert.throws(() => parseBrokerUrl('head-end'), refusedWith('PW_ERR_INVALID_OPTION'));
  });

  it('refuses to start a meter that is not enrolled and has no token, or an unknown link', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-cli-agent-'));
    try {
      await assert.rejects(program().parseAsync(['meter', 'run', '--server', 'mqtts://127.0.0.1:1', '--serial', 'm-1', '--data-dir', dir], {
        from: 'user' }),
        refusedWith('PW_ERR_INVALID_OPTION'));
      await assert.rejects(program().parseAsync(['meter', 'run', '--server', 'mqtts://127.0.0.1:1', '--serial', 'm-1', '--link', 'lora',
        '--data-dir', dir], { from: 'user' }),
        refusedWith('PW_ERR_INVALID_OPTION'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the one-time token of meter run', () => {
  it('reads --token-file from a file or standard input, and warns that --token shows in ps', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-cli-token-'));
    try {
      await writeFile(join(dir, 'm.token'), 'pwe1.00ff.secret\n');
      assert.equal(await enrollmentToken(bufferIo({}, dir), { tokenFile: 'm.token' }), 'pwe1.00ff.secret');
      assert.equal(await enrollmentToken({ ...bufferIo({}, dir), readStdin: () => Promise.resolve('pwe1.01.s\n') }, { tokenFile: '-' }),
        'pwe1.01.s');
      const io = bufferIo({}, dir);
      assert.equal(await enrollmentToken(io, { token: 'pwe1.02.s' }), 'pwe1.02.s');
      assert.match(io.stderr(), /visible to other users .*--token-file/);
      assert.equal(await enrollmentToken(bufferIo({}, dir), {}), undefined);
      await writeFile(join(dir, 'empty.token'), '\n');
      for (const options of [{ token: 'a', tokenFile: 'm.token' }, { tokenFile: 'missing.token' }, { tokenFile: 'empty.token' }, {
        tokenFile: '-' }]) {
        await assert.rejects(enrollmentToken(bufferIo({}, dir), options), refusedWith('PW_ERR_INVALID_OPTION'), JSON.stringify(options));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('phasewire meter run against a head-end on loopback', () => {
  it('enrolls with the token, publishes sealed readings until interrupted, and restarts without the token', async () => {
    const head = await startTestHeadEnd();
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-cli-run-'));
    try {
      await writeFile(join(dir, 'ca.pem'), head.testCa.anchors);
      const token = await head.token(parseMeterId('cli-m-1'));
      const run = async (extra: string[], readings: number): Promise<string> => {
        let interrupt = (): void => undefined;
        const io = { ...bufferIo({}, dir), interrupted: new Promise<void>((resolve) => { interrupt = resolve; }), readStdin: () => Promise
          .resolve(`${token}\n`) };
        const root = new Command('phasewire').exitOverride();
        registerAgent(root, io);
        const done = root.parseAsync(['meter', 'run', '--server', `mqtts://127.0.0.1:${head.brokerPort}`, '--serial', 'cli-m-1',
          '--data-dir', 'm', '--interval', '50ms', ...extra], { from: 'user' });
        await head.until(() => (head.readings.get(parseMeterId('cli-m-1'))?.size ?? 0) >= readings,
          `${readings} readings from the CLI agent`);
        interrupt();
        await done;
        return io.stdout();
      };
      const first = await run(['--enroll', head.estUrl, '--key-server', head.keyUrl, '--ca', 'ca.pem', '--token-file', '-'], 3);
      assert.match(first, /cli-m-1 enrolled/, 'enrolled with the token read from standard input');
      const second = await run([], 6);
      assert.doesNotMatch(second, /enrolled/);
      assert.match(second, /cli-m-1 stopped/);
    } finally {
      await head.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
