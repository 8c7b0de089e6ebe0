import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandResult } from '@phasewire/api';
import { commandText, commandTone, followCommand, pollDelay } from './command-status.ts';

const pending: CommandResult = { id: 'c1', kind: 'read', status: 'pending', expiresAt: '2026-12-08T01:00:00.000Z' };
const done: CommandResult = { id: 'c1', kind: 'read', status: 'done', result: { at: '2026-12-08T00:00:00.000Z' } };

describe('a command\'s answer in the dashboard', () => {
  it('shows pending as waiting, not as an error; done as ok; failed and timeout as errors', () => {
    assert.equal(commandTone('pending'), 'waiting');
    assert.equal(commandTone('done'), 'ok');
    assert.equal(commandTone('failed'), 'error');
    assert.equal(commandTone('timeout'), 'error');
    assert.match(commandText(pending), /^read: pending, waiting for the meter's answer/);
    assert.equal(commandText({ ...done, status: 'failed', reason: 'expired' }), 'read: failed (expired)');
  });

  it('asks again after 2 s, then less and less often, at most every 30 s', () => {
    assert.deepEqual([0, 1, 2, 3].map(pollDelay), [2_000, 3_000, 4_500, 6_750]);
    assert.equal(pollDelay(20), 30_000);
  });

  it('follows a pending command until its final answer, through failed requests, and shows each answer read', async () => {
    const answers: (CommandResult | Error)[] = [pending, new Error('the network'), pending, done];
    const slept: number[] = [];
    const shown: string[] = [];
    const final = await followCommand(pending, {
      get: () => {
        const next = answers.shift();
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next ?? done);
      },
      sleep: (ms) => { slept.push(ms); return Promise.resolve(); },
      stopped: () => false,
      onResult: (r) => { shown.push(r.status); },
    });
    assert.deepEqual(final, done);
    assert.deepEqual(shown, ['pending', 'pending', 'done']);
    assert.deepEqual(slept, [2_000, 3_000, 4_500, 6_750]);
  });

  it('stops following when the page no longer shows the command, and asks nothing for a final answer', async () => {
    let asked = 0;
    let stopped = false;
    const get = (): Promise<CommandResult> => { asked++; stopped = true; return Promise.resolve(pending); };
    const options = { get, sleep: () => Promise.resolve(), stopped: () => stopped, onResult: () => undefined };
    assert.equal(await followCommand(pending, options), undefined);
    assert.equal(asked, 1);
    assert.deepEqual(await followCommand(done, options), done);
    assert.equal(asked, 1);
  });
});
