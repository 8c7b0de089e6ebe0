import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '@phasewire/core';
import { decodeMeterState, emptyMeterState, encodeMeterState, raise } from './meter-state.ts';

const stepsOf = (id: number): number => (id === 13 ? 10 : 100);

describe('meter state row', () => {
  it('reads back latest values, latest register reads on the grid and written interval ends', () => {
    const state = emptyMeterState();
    raise(state.latest, 1, 1000, 230.12);
    raise(state.latest, 2, 2000, 230.123456);
    raise(state.latestOnGrid, 13, 900_000, 1234567.8);
    state.writtenUntil.set(13, 1_800_000);
    const back = decodeMeterState(encodeMeterState(state, stepsOf), stepsOf, 'test state');
    assert.deepEqual([...back.latest], [[1, { at: 1000, value: 230.12 }], [2, { at: 2000, value: 230.123456 }]]);
    assert.deepEqual([...back.latestOnGrid], [[13, { at: 900_000, value: 1234567.8 }]]);
    assert.deepEqual([...back.writtenUntil], [[13, 1_800_000]]);
  });

  it('raises a latest value only with a newer one', () => {
    const state = emptyMeterState();
    assert.equal(raise(state.latest, 1, 2000, 1), true);
    assert.equal(raise(state.latest, 1, 1000, 2), false);
    assert.deepEqual(state.latest.get(1), { at: 2000, value: 1 });
  });

  it('refuses a row of an unknown version', () => {
    assert.throws(() => decodeMeterState(Uint8Array.of(9, 0, 0, 0), stepsOf, 'test state'), (e) => hasCode(e, 'PW_ERR_STORE_CORRUPT'));
  });
});
