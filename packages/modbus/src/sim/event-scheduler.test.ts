import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventScheduler } from './event-scheduler.ts';

describe('EventScheduler', () => {
  it('fires events in time order, ties in the order they were scheduled, and moves the clock to each', async () => {
    const scheduler = new EventScheduler({ start: 1000 });
    const seen: string[] = [];
    scheduler.setTimeout(() => seen.push(`c@${scheduler.now()}`), 30);
    scheduler.setTimeout(() => seen.push(`a@${scheduler.now()}`), 10);
    scheduler.setTimeout(() => seen.push(`b@${scheduler.now()}`), 10);
    const cancelled = scheduler.setTimeout(() => seen.push('never'), 20);
    cancelled.cancel();
    await scheduler.runUntil(1025);
    assert.deepEqual(seen, ['a@1010', 'b@1010']);
    assert.equal(scheduler.now(), 1025);
    await scheduler.runFor(100);
    assert.deepEqual(seen, ['a@1010', 'b@1010', 'c@1030']);
    assert.equal(scheduler.fired, 3);
  });

  it('lets async code continue between events, as an event loop would', async () => {
    const scheduler = new EventScheduler();
    const sleep = (ms: number) => new Promise<void>((resolve) => { scheduler.setTimeout(resolve, ms); });
    const wakeups: number[] = [];
    const loop = (async () => {
      for (let round = 0; round < 5; round++) {
        await sleep(100);
        await Promise.resolve();
        wakeups.push(scheduler.now());
      }
    })();
    await scheduler.runUntilSettled(loop);
    assert.deepEqual(wakeups, [100, 200, 300, 400, 500]);
  });

  it('runs a long chain of events, each scheduling the next, to its end', async () => {
    const scheduler = new EventScheduler();
    let count = 0;
    const tick = (): void => {
      count++;
      if (count < 20_000) scheduler.setTimeout(tick, 36);
    };
    scheduler.setTimeout(tick, 0);
    await scheduler.runUntil(3_600_000);
    assert.equal(count, 20_000);
    assert.equal(scheduler.now(), 3_600_000);
  });
});
