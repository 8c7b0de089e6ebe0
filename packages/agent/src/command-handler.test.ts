import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@phasewire/core';
import type { RelayState } from '@phasewire/meter';
import { CommandHandler } from './command-handler.ts';

function handler(executed: string[] = []) {
  const clock = new ManualClock(1_000_000);
  const calls: string[] = [];
  let relay: RelayState = 'closed';
  const commands = new CommandHandler({
    clock, executed, rememberIds: 3,
    target: {
      readOnDemand: () => { calls.push('read'); return { v: 1, m: 'm', t: clock.now(), d: [], q: [], x: [[]] }; },
      syncClock: (t) => { calls.push('sync'); return t - clock.now(); },
      setRelay: (state) => { relay = state; },
    },
  });
  return { clock, calls, commands, relay: () => relay };
}

describe('command handler', () => {
  it('executes each command id at most once, also across a restart', () => {
    const { commands, calls } = handler();
    assert.equal(commands.handle({ v: 1, id: 'a', op: 'read', exp: 2_000_000 }).response?.ok, true);
    const again = commands.handle({ v: 1, id: 'a', op: 'read', exp: 2_000_000 });
    assert.equal(again.response?.code, 'PW_ERR_COMMAND_REPLAYED');
    assert.deepEqual(calls, ['read']);
    const restarted = handler(commands.executedIds());
    assert.equal(restarted.commands.handle({ v: 1, id: 'a', op: 'read', exp: 2_000_000 }).response?.code, 'PW_ERR_COMMAND_REPLAYED');
  });

  it('refuses a command at or after its expiry on the meter clock', () => {
    const { commands, calls, clock } = handler();
    assert.equal(commands.handle({ v: 1, id: 'b', op: 'read', exp: clock.now() }).response?.code, 'PW_ERR_COMMAND_EXPIRED');
    assert.deepEqual(calls, []);
  });

  it('opens and closes the relay, syncs the clock, and ignores a body that is no command', () => {
    const { commands, relay } = handler();
    assert.equal(commands.handle({ v: 1, id: 'c', op: 'disconnect', exp: 2_000_000 }).response?.relay, 'open');
    assert.equal(relay(), 'open');
    commands.handle({ v: 1, id: 'd', op: 'reconnect', exp: 2_000_000 });
    assert.equal(relay(), 'closed');
    assert.equal(commands.handle({ v: 1, id: 'e', op: 'clock-sync', exp: 2_000_000, t: 1_000_500 }).response?.clockOffsetMs, 500);
    const invalid = commands.handle({ hello: 1 });
    assert.deepEqual({ ...invalid, invalid: invalid.invalid?.code },
      { command: undefined, response: undefined, executed: false, invalid: 'PW_ERR_COMMAND_INVALID' });
    assert.deepEqual(commands.executedIds(), ['c', 'd', 'e'], 'bounded to the last three');
  });

  it('answers a command this meter cannot carry out with PW_ERR_COMMAND_UNSUPPORTED, without running it or spending its id', () => {
    const calls: string[] = [];
    const commands = new CommandHandler({
      clock: new ManualClock(1_000_000),
      target: {
        readOnDemand: () => undefined,
        syncClock: () => { calls.push('sync'); return 0; },
        setRelay: () => { calls.push('relay'); },
        supports: (op) => op === 'read',
      },
    });
    for (const op of ['disconnect', 'reconnect'] as const) {
      const handled = commands.handle({ v: 1, id: op, op, exp: 2_000_000 });
      assert.equal(handled.executed, false);
      const response = handled.response;
      assert.ok(response !== undefined);
      assert.equal(response.ok, false);
      assert.equal(response.code, 'PW_ERR_COMMAND_UNSUPPORTED');
      assert.match(response.reason ?? '', /unsupported by this meter/);
    }
    assert.equal(commands.handle({ v: 1, id: 's', op: 'clock-sync', exp: 2_000_000, t: 5 }).response?.code, 'PW_ERR_COMMAND_UNSUPPORTED');
    const read = commands.handle({ v: 1, id: 'r', op: 'read', exp: 2_000_000 });
    assert.deepEqual([read.response?.ok, read.response?.code], [false, 'PW_ERR_COMMAND_UNSUPPORTED'], 'no reading yet');
    assert.deepEqual(calls, []);
    assert.deepEqual(commands.executedIds(), ['r']);
  });
});
