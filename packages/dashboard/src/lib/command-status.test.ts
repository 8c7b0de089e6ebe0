import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandResult } from '@phasewire/api';
import { commandText, commandTone, followCommand, pollDelay, refusedForGood } from './command-status.ts';

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

  it('stops following at a refusal asking again cannot change (401, 403, 404), not at a failure that may pass', async () => {
    const refusal = (status: number) => Object.assign(new Error(`status ${status}`), { status });
    for (const status of [401, 403, 404]) {
      let asked = 0;
      const options = {
        get: (): Promise<CommandResult> => { asked++; return Promise.reject(refusal(status)); },
        sleep: () => Promise.resolve(), stopped: () => false, onResult: () => undefined,
      };
      // Before, each was asked again every 30 s for as long as the page was open, the command shown as waiting.
      await assert.rejects(followCommand(pending, options), { status });
      assert.equal(asked, 1);
    }
    for (const status of [408, 429, 500, 503]) assert.equal(refusedForGood(refusal(status)), false);
    assert.equal(refusedForGood(new TypeError('Failed to fetch')), false);
    const answers: (CommandResult | Error)[] = [refusal(503), refusal(429), done];
    const final = await followCommand(pending, {
      get: () => { const next = answers.shift(); return next instanceof Error ? Promise.reject(next) : Promise.resolve(next ?? done); },
      sleep: () => Promise.resolve(), stopped: () => false, onResult: () => undefined,
    });
    assert.deepEqual(final, done);
  });
});
