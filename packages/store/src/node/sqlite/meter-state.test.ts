import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '@phasewire/core';
import { ByteWriter } from './byte-codec.ts';
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

  it('keeps latest values apart per quantity id, however sparse the ids', () => {
    const state = emptyMeterState();
    raise(state.latest, 40, 3000, 1.5);
    raise(state.latest, 3, 1000, -2.25);
    assert.equal(state.latest.size, 2);
    assert.equal(state.latest.get(4), undefined);
    assert.deepEqual([...state.latest], [[3, { at: 1000, value: -2.25 }], [40, { at: 3000, value: 1.5 }]]);
  });

  it('refuses a row naming a quantity id beyond any dictionary, instead of sizing memory by it', () => {
    const w = new ByteWriter(16);
    w.byte(1);
    w.uint(1);
    w.uint(2 ** 40);
    w.uint(0);
    w.uint(0);
    assert.throws(() => decodeMeterState(w.view(), stepsOf, 'test state'), (e) => hasCode(e, 'PW_ERR_STORE_CORRUPT'));
  });

  it('refuses a row of an unknown version', () => {
    assert.throws(() => decodeMeterState(Uint8Array.of(9, 0, 0, 0), stepsOf, 'test state'), (e) => hasCode(e, 'PW_ERR_STORE_CORRUPT'));
  });
});
