// A flood of concurrent scrapes shares one collection of the metrics (each reads the store).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shareInFlight } from './metrics.ts';

describe('metrics: concurrent scrapes', () => {
  it('share the collection under way, and the next scrape after it collects again', async () => {
    let runs = 0;
    const text = shareInFlight(async () => { runs++; await new Promise((resolve) => setImmediate(resolve)); return `run ${runs}`; });
    const flood = await Promise.all(Array.from({ length: 100 }, () => text()));
    assert.equal(runs, 1);
    assert.ok(flood.every((t) => t === 'run 1'));
    assert.equal(await text(), 'run 2');
  });
});
