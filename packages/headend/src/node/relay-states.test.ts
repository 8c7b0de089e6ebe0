import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { CommandLog } from './command-log.ts';
import { DeviceActivity } from './device-activity.ts';
import { protectionView } from './protection-view.ts';
import { RelayStates } from './relay-states.ts';

test('a trip an agent queued again after a restart (a new envelope, the same trip) shows once, in the meter and fleet views', () => {
  const db = new DatabaseSync(':memory:');
  const activity = new DeviceActivity(db);
  const relays = new RelayStates(db);
  const trip = (fn: string, at: number) => ({ kind: 'protection-trip', meter: 'prot-dup-1', relay: 'open', fn, at, reason: 'x' });
  activity.event('prot-dup-1', 1, 10n, 5_000, trip('phase-loss', 1_000));
  activity.event('prot-dup-1', 1, 11n, 9_000, trip('phase-loss', 1_000)); // the copy queued after the restart
  activity.event('prot-dup-1', 1, 12n, 9_500, trip('undervoltage', 1_000));
  activity.event('prot-dup-2', 1, 3n, 9_600, trip('phase-loss', 1_000)); // another meter's trip at the same time is its own
  const fleet = relays.trips(3);
  assert.deepEqual(fleet.map((t) => [t.device, t.record['fn']]),
    [['prot-dup-2', 'phase-loss'], ['prot-dup-1', 'undervoltage'], ['prot-dup-1', 'phase-loss']]);
  const view = protectionView(new CommandLog(db), activity, relays, 'prot-dup-1', 10);
  assert.deepEqual(view.trips.map((t) => t.record['fn']), ['undervoltage', 'phase-loss']);
});

test('the fleet\'s trips of the devices a caller may see are found past many newer trips of devices it may not see', () => {
  const db = new DatabaseSync(':memory:');
  const activity = new DeviceActivity(db);
  const relays = new RelayStates(db);
  const trip = (at: number) => ({ kind: 'protection-trip', meter: 'x', relay: 'open', fn: 'overcurrent', at, reason: 'x' });
  activity.event('prot-mine-1', 1, 1n, 1_000, trip(1_000));
  // Another tenant's chattering meter: far more, newer trips than the caller asks for.
  for (let k = 0; k < 3_000; k++) activity.event('prot-theirs-1', 1, BigInt(k + 1), 2_000 + k, trip(2_000 + k));
  const mine = (device: string): boolean => device === 'prot-mine-1';
  assert.deepEqual(relays.trips(10, mine).map((t) => [t.device, t.record['at']]), [['prot-mine-1', 1_000]]);
  assert.equal(relays.trips(10).length, 10);
});
