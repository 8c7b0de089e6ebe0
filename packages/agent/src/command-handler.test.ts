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
      // The meter sent uplink envelope 7 (key 1) 4 s ago; of the others it has no record.
      elapsedSince: (keyId, counter) => (keyId === 1 && counter === 7n ? 4_000 : keyId === 1 && counter === 6n ? 60_000 : undefined),
    },
  });
  return { clock, calls, commands, relay: () => relay };
}

describe('command handler', () => {
  it('executes each command id at most once, also across a restart', () => {
    const { commands, calls } = handler();
    assert.equal(commands.handle({ v: 1, id: 'a', op: 'read', exp: 2_000_000 }).response?.ok, true);
    const restarted = handler(commands.executedIds());
    assert.equal(restarted.commands.handle({ v: 1, id: 'a', op: 'read', exp: 2_000_000 }).response?.code, 'PW_ERR_COMMAND_REPLAYED');
    assert.deepEqual(calls, ['read']);
  });

  it('answers a second copy of a command that ran with the answer it had, again, without running it again', () => {
    const { commands, calls, clock } = handler();
    const first = commands.handle({ v: 1, id: 'a', op: 'read', exp: 2_000_000 });
    const sync = commands.handle({ v: 1, id: 's', op: 'clock-sync', exp: 2_000_000, t: 1_000_500, k: 1, c: 7 });
    // The copies come later, the clock-sync's after its expiry: the answers are what they were.
    clock.advance(1_500_000);
    const again = commands.handle({ v: 1, id: 'a', op: 'read', exp: 2_000_000 });
    assert.deepEqual({ ...again, executed: again.executed }, { ...first, executed: false, repeated: true });
    assert.deepEqual(commands.handle({ v: 1, id: 's', op: 'clock-sync', exp: 2_000_000, t: 9_000_000, k: 1, c: 7 }).response,
      sync.response);
    assert.deepEqual(calls, ['read', 'sync'], 'neither ran twice');
    // A refused command is no answer kept: a copy is judged again (a stale clock-sync sent again with a new anchor runs).
    assert.equal(commands.handle({ v: 1, id: 't', op: 'clock-sync', exp: 9_000_000, t: 2_500_000, k: 1, c: 5 }).response?.code,
      'PW_ERR_COMMAND_STALE');
    assert.equal(commands.handle({ v: 1, id: 't', op: 'clock-sync', exp: 9_000_000, t: 2_500_000, k: 1, c: 7 }).response?.ok, true);
  });

  it('answers a copy only when it is one: another command under a used id is refused, not given the old answer', () => {
    const { commands, relay } = handler();
    assert.equal(commands.handle({ v: 1, id: 'c', op: 'disconnect', exp: 2_000_000 }).response?.relay, 'open');
    // Before, the reconnect got the disconnect's answer (ok, relay open) while the relay stayed open.
    const other = commands.handle({ v: 1, id: 'c', op: 'reconnect', exp: 2_000_000 });
    assert.equal(other.response?.code, 'PW_ERR_COMMAND_REPLAYED');
    assert.equal(other.repeated, undefined);
    assert.equal(commands.handle({ v: 1, id: 'c', op: 'disconnect', exp: 2_500_000 }).response?.code, 'PW_ERR_COMMAND_REPLAYED');
    assert.equal(relay(), 'open');
    assert.equal(commands.handle({ v: 1, id: 'c', op: 'disconnect', exp: 2_000_000 }).repeated, true);
  });

  it('keeps the answers of the latest 64 commands run: a copy of the 65th before them is refused', () => {
    const clock = new ManualClock(1_000_000);
    const target = { readOnDemand: () => undefined, syncClock: () => 0, setRelay: () => undefined };
    const commands = new CommandHandler({ clock, target });
    for (let i = 0; i < 65; i++) commands.handle({ v: 1, id: `r${i}`, op: 'disconnect', exp: 2_000_000 });
    assert.equal(commands.handle({ v: 1, id: 'r0', op: 'disconnect', exp: 2_000_000 }).response?.code, 'PW_ERR_COMMAND_REPLAYED');
    assert.equal(commands.handle({ v: 1, id: 'r1', op: 'disconnect', exp: 2_000_000 }).repeated, true);
    assert.equal(commands.handle({ v: 1, id: 'r64', op: 'disconnect', exp: 2_000_000 }).repeated, true);
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
    const sync = commands.handle({ v: 1, id: 'e', op: 'clock-sync', exp: 2_000_000, t: 1_000_500, k: 1, c: 7 });
    assert.equal(sync.response?.clockOffsetMs, 2_500);
    const invalid = commands.handle({ hello: 1 });
    assert.deepEqual({ ...invalid, invalid: invalid.invalid?.code },
      { command: undefined, response: undefined, executed: false, invalid: 'PW_ERR_COMMAND_INVALID' });
    assert.deepEqual(commands.executedIds(), ['c', 'd', 'e'], 'bounded to the last three');
  });

  it('sets the clock to the head-end\'s time plus half the time it can have been on its way, and refuses one that may be stale', () => {
    const { commands, calls, clock } = handler();
    // Stamped 1 000 000 by the head-end after envelope 7 reached it, here 4 s after the meter sent
    // envelope 7: stamped within those 4 s, the middle is 1 002 000, and the meter's clock reads
    // 1 006 000, 4 s ahead (taken as it came, the time would have set it 2 s behind).
    clock.advance(6_000);
    const sync = commands.handle({ v: 1, id: 'f', op: 'clock-sync', exp: 2_000_000, t: 1_000_000, k: 1, c: 7 });
    assert.equal(sync.response?.clockOffsetMs, -4_000);
    // The same, stamped 3 s after envelope 7 came: a round trip of 1 s, the time half a second old.
    const held = commands.handle({ v: 1, id: 'f2', op: 'clock-sync', exp: 2_000_000, t: 1_000_000, k: 1, c: 7, h: 3_000 });
    assert.equal(held.response?.clockOffsetMs, 1_000_500 - 1_006_000);
    // A round trip of an odd number of ms: the clock is set to a whole ms (readings are stamped with it).
    const odd = commands.handle({ v: 1, id: 'f3', op: 'clock-sync', exp: 2_000_000, t: 1_000_000, k: 1, c: 7, h: 2_999 });
    assert.equal(odd.response?.clockOffsetMs, 1_000_501 - 1_006_000);
    const tooOld = /may be 40000 ms old \(the meter sent envelope 6 \(key 1\) 60000 ms ago, the head-end stamped it 20000 ms after it/;
    for (const [id, anchor, why] of [
      ['g', {}, /names no uplink envelope of the meter/],
      ['h', { k: 1, c: 99 }, /has no record of sending envelope 99 \(key 1\), the head-end's last from it/],
      ['i', { k: 1, c: 6, h: 20_000 }, tooOld],
    ] as const) {
      const handled = commands.handle({ v: 1, id, op: 'clock-sync', exp: 2_000_000, t: 1_000_000, ...anchor });
      assert.equal(handled.response?.code, 'PW_ERR_COMMAND_STALE');
      assert.match(handled.response.reason ?? '', why);
      assert.equal(handled.executed, false, 'not run, and its id not spent: it may come again, anchored');
    }
    assert.deepEqual(calls, ['sync', 'sync', 'sync']);
    assert.deepEqual(commands.executedIds(), ['f', 'f2', 'f3']);
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
