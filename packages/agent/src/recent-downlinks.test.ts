import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentDownlinks } from './recent-downlinks.ts';

describe('RecentDownlinks', () => {
  it('knows an envelope it accepted, by its bytes, even when the caller reuses its buffer', () => {
    const recent = new RecentDownlinks(4);
    const buffer = Uint8Array.of(1, 2, 3);
    recent.remember(buffer);
    assert.equal(recent.has(Uint8Array.of(1, 2, 3)), true);
    buffer.fill(9);
    assert.equal(recent.has(Uint8Array.of(1, 2, 3)), true, 'a copy was kept');
    assert.equal(recent.has(Uint8Array.of(9, 9, 9)), false);
    assert.equal(recent.has(Uint8Array.of(1, 2)), false, 'a prefix is another envelope');
    assert.equal(recent.has(Uint8Array.of(1, 2, 3, 4)), false);
  });

  it('forgets the oldest once full', () => {
    const recent = new RecentDownlinks(2);
    recent.remember(Uint8Array.of(1));
    recent.remember(Uint8Array.of(2));
    recent.remember(Uint8Array.of(3));
    assert.deepEqual([1, 2, 3].map((byte) => recent.has(Uint8Array.of(byte))), [false, true, true]);
    recent.remember(Uint8Array.of(4));
    assert.deepEqual([2, 3, 4].map((byte) => recent.has(Uint8Array.of(byte))), [false, true, true]);
  });

  it('refuses a capacity that could remember nothing', () => {
    assert.throws(() => new RecentDownlinks(0), RangeError);
    assert.throws(() => new RecentDownlinks(1.5), RangeError);
  });
});
