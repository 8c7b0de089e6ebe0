import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode, parseMeterId } from '@phasewire/core';
import { counterScope, MemoryCounterStore } from './counter-store.ts';
import { ReplayWindow } from './replay-window.ts';

const meter = parseMeterId('meter-0001');
const scope = counterScope(meter, 'uplink', 1);

test('accepts strictly increasing counters, gaps allowed', async () => {
  const window = new ReplayWindow(new MemoryCounterStore());
  for (const counter of [1n, 2n, 7n, 1000n]) await window.accept(scope, counter);
  assert.equal(window.last(scope), 1000n);
});

test('refuses an equal or older counter with PW_ERR_REPLAY and leaves the window where it was', async () => {
  const window = new ReplayWindow(new MemoryCounterStore());
  await window.accept(scope, 5n);
  for (const counter of [5n, 4n, 1n]) {
    assert.throws(() => window.accept(scope, counter), (error) => hasCode(error, 'PW_ERR_REPLAY'));
    assert.equal(window.last(scope), 5n);
  }
});

test('keeps a window per device, direction and key id', async () => {
  const window = new ReplayWindow(new MemoryCounterStore());
  await window.accept(scope, 5n);
  await window.accept(counterScope(meter, 'downlink', 1), 1n);
  await window.accept(counterScope(meter, 'uplink', 2), 1n);
  await window.accept(counterScope(parseMeterId('meter-0002'), 'uplink', 1), 1n);
  assert.equal(window.last(scope), 5n);
});

test('lets only one of two copies of a message through, even when both were checked first', async () => {
  const window = new ReplayWindow(new MemoryCounterStore());
  window.check(scope, 3n);
  window.check(scope, 3n);
  await window.accept(scope, 3n);
  assert.throws(() => window.accept(scope, 3n), (error) => hasCode(error, 'PW_ERR_REPLAY'));
});
