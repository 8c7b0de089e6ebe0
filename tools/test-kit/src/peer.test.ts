import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startPeer } from './peer.ts';

const node = process.execPath;

describe('startPeer', () => {
  it('resolves when the peer prints its ready line, and stop() ends it', async () => {
    const peer = await startPeer({
      name: 'echo peer',
      command: node,
      args: ['-e', 'console.log("peer 1.2 ready"); setInterval(() => {}, 1000)'],
      ready: { line: /ready$/ },
    });
    assert.equal(peer.readyLine, 'peer 1.2 ready');
    assert.equal(peer.running(), true);
    await peer.stop();
    assert.equal(peer.running(), false);
    await peer.stop();
  });

  it('fails at once with the exit code and what the peer printed when it exits before it is ready', async () => {
    await assert.rejects(
      startPeer({
        name: 'broken peer',
        command: node,
        args: ['-e', 'console.error("ModuleNotFoundError: no serial_asyncio"); process.exit(3)'],
        ready: { line: /ready/ },
        startTimeoutMs: 600_000,
      }),
      (error: Error) => {
        assert.match(error.message, /^Cannot start broken peer \(.+\): it exited with code 3 before a line matching \/ready\//);
        assert.match(error.message, /ModuleNotFoundError: no serial_asyncio/);
        return true;
      },
    );
  });

  it('says what it waited for when the peer is not ready in time, and kills it', async () => {
    let pid = 0;
    await assert.rejects(
      startPeer({
        name: 'silent peer',
        command: node,
        args: ['-e', 'console.log(process.pid); setInterval(() => {}, 1000)'],
        ready: { line: /never/ },
        startTimeoutMs: 500,
      }),
      (error: Error) => {
        assert.match(error.message, /^Cannot start silent peer .+: waited 500 ms for a line matching \/never\/; it printed: (\d+)/);
        pid = Number(/it printed: (\d+)/.exec(error.message)?.[1]);
        return true;
      },
    );
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  });

  it('names a command that does not exist', async () => {
    await assert.rejects(
      startPeer({ name: 'missing peer', command: '/nonexistent/peer', ready: { line: /x/ } }),
      /Cannot start missing peer \(\/nonexistent\/peer\): spawn \/nonexistent\/peer ENOENT/,
    );
  });

  it('is ready when a polled condition holds, and is stopped by the after hook of its test', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'phasewire-peer-'));
    const flag = join(directory, 'ready');
    const hooks: (() => Promise<void>)[] = [];
    try {
      const peer = await startPeer({
        name: 'file peer',
        command: node,
        args: ['-e', `setTimeout(() => require('node:fs').writeFileSync(${JSON.stringify(flag)}, ''), 100); setInterval(() => {}, 1000)`],
        ready: { check: () => existsSync(flag), what: `the file ${flag}` },
        test: { after: (hook) => { hooks.push(hook); } },
      });
      assert.equal(peer.readyLine, '');
      assert.equal(hooks.length, 1);
      for (const hook of hooks) await hook();
      assert.equal(peer.running(), false);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('kills a peer that ignores the stop signal', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'phasewire-peer-'));
    const script = join(directory, 'stubborn.js');
    writeFileSync(script, 'process.on("SIGTERM", () => {}); console.log("up"); setInterval(() => {}, 1000);');
    try {
      const peer = await startPeer({ name: 'stubborn peer', command: node, args: [script], ready: { line: /^up$/ } });
      await peer.stop();
      assert.equal(peer.running(), false);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
