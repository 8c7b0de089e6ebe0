import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { meterWindows, windowEnd } from './data-window.ts';

describe('the meter page\'s windows', () => {
  // A demo meter on simulated time: its latest reading is 15 hours ahead of the browser's clock.
  const browserNow = Date.UTC(2026, 11, 7, 16, 39);
  const latest = '2026-12-08T07:39:00.000Z';

  it('end just after the meter\'s latest reading, not at the browser\'s clock', () => {
    // The API's ranges are half-open, [from, to): the window holds the latest reading itself.
    const end = Date.parse(latest) + 1;
    assert.equal(windowEnd(latest, browserNow), end);
    const windows = meterWindows(windowEnd(latest, browserNow));
    assert.deepEqual(windows.week, { from: '2026-12-01T07:39:00.001Z', to: '2026-12-08T07:39:00.001Z' });
    assert.deepEqual(windows.days2, { from: '2026-12-06T07:39:00.001Z', to: '2026-12-08T07:39:00.001Z' });
    assert.equal(windows.days31.to, '2026-12-08T07:39:00.001Z');
    assert.equal(windows.days366.from, '2025-12-07T07:39:00.001Z');
  });

  it('end at the browser\'s clock for a meter without readings', () => {
    assert.equal(windowEnd(null, browserNow), browserNow);
    assert.equal(windowEnd(undefined, browserNow), browserNow);
    assert.equal(windowEnd('not a time', browserNow), browserNow);
  });
});
