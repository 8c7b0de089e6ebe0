import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMeterId } from '@phasewire/core';
import type { Snapshot } from '@phasewire/core';
import { defaultReadingTimeWindow, readingTimeBounds, readingTimeRefusal, splitByTime } from './reading-times.ts';

const meter = parseMeterId('m-1');
const now = Date.UTC(2026, 5, 1);
const at = (t: number): Snapshot => ({ meter, at: t, values: new Map([['1-0:32.7.0' as never, 230]]) });

describe('reading-time window', () => {
  it('keeps both bounds, refuses one millisecond beyond either, and keeps the batch as it is when all are in', () => {
    const { from, to } = readingTimeBounds(now, defaultReadingTimeWindow);
    assert.deepEqual([from, to], [Date.UTC(2020, 0, 1), now + 15 * 60_000]);
    const inside = [at(from), at(now), at(to)];
    assert.equal(splitByTime(inside, now, defaultReadingTimeWindow).kept, inside);
    const split = splitByTime([at(from - 1), ...inside, at(to + 1)], now, defaultReadingTimeWindow);
    assert.deepEqual(split.kept.map((s) => s.at), [from, now, to]);
    assert.deepEqual(split.refused.map((s) => s.at), [from - 1, to + 1]);
    assert.equal(split.refusedReadings, 2);
  });

  it('says what was found and what was expected, naming a time beyond a Date as a number', () => {
    const split = splitByTime([at(9e15)], now, defaultReadingTimeWindow);
    const error = readingTimeRefusal(meter, split, now, defaultReadingTimeWindow);
    assert.equal(error.code, 'PW_ERR_HEADEND_READING_TIME');
    assert.equal(error.message,
      'Cannot store 1 readings of meter m-1: its time 9000000000000000 ms after the epoch is outside 2020-01-01T00:00:00.000Z to '
      + "2026-06-01T00:15:00.000Z; expected times from 2020-01-01T00:00:00.000Z and at most 15 minutes after the head-end's clock (is "
        + "the meter's clock set?)");
  });
});
