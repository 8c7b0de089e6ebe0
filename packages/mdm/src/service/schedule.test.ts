import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSchedule, dueJobs } from './schedule.ts';

const t0 = Date.UTC(2026, 0, 5);
const schedule = { ...defaultSchedule, runEveryMs: 900_000, maintainEveryMs: 300_000, purgeEveryMs: 86_400_000 };

describe('dueJobs', () => {
  it('runs every job at the first look', () => {
    assert.deepEqual(dueJobs({ run: null, maintain: null, purge: null }, t0, schedule), ['run', 'maintain', 'purge']);
  });

  it('runs a job again only when the clock enters a new period of it, aligned to the clock grid', () => {
    const last = { run: t0 + 60_000, maintain: t0 + 60_000, purge: t0 + 60_000 };
    assert.deepEqual(dueJobs(last, t0 + 299_999, schedule), []);
    assert.deepEqual(dueJobs(last, t0 + 300_000, schedule), ['maintain']);
    assert.deepEqual(dueJobs(last, t0 + 900_000, schedule), ['run', 'maintain']);
    assert.deepEqual(dueJobs(last, t0 + 86_400_000, schedule), ['run', 'maintain', 'purge']);
  });

  it('runs a job once after the clock jumps several periods ahead', () => {
    const last = { run: t0, maintain: t0, purge: t0 };
    assert.deepEqual(dueJobs(last, t0 + 10 * 900_000, schedule), ['run', 'maintain']);
  });
});
