import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fingerprintText, lateSegments, missingEnds, parseFingerprint } from './unjudged-intervals.ts';

const q = 900_000;
const t0 = Date.UTC(2026, 0, 5);
const at = (k: number): number => t0 + k * q;

describe('the holes kept in the watermark fingerprint', () => {
  it('writes runs of consecutive interval ends and reads them back', () => {
    const text = fingerprintText('1767571200000:96', [at(3), at(1), at(2), at(7)], q);
    assert.equal(text, `1767571200000:96|holes=${at(1)}x3,${at(7)}x1`);
    assert.deepEqual(parseFingerprint(text, q, 192), { data: '1767571200000:96', holes: [at(1), at(2), at(3), at(7)], heardAt: null });
  });

  it('keeps the time data was last heard beside the holes, or alone', () => {
    assert.deepEqual(parseFingerprint(fingerprintText('d:1', [at(1)], q, at(9)), q, 192), { data: 'd:1', holes: [at(1)], heardAt: at(9) });
    assert.deepEqual(parseFingerprint(fingerprintText('d:1', [], q, at(9)), q, 192), { data: 'd:1', holes: [], heardAt: at(9) });
    assert.equal(parseFingerprint('d:1|heard=soon', q, 192).heardAt, null);
  });

  it('leaves a fingerprint without holes as it was before holes were kept', () => {
    assert.equal(fingerprintText('none:0', [], q), 'none:0');
    assert.deepEqual(parseFingerprint('none:0', q, 192), { data: 'none:0', holes: [], heardAt: null });
  });

  it('round-trips any set of interval ends, and reads at most the given number back', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 60 }), (ks) => {
      const ends = ks.map(at).sort((a, b) => a - b);
      assert.deepEqual(parseFingerprint(fingerprintText('d', ends, q), q, 1000).holes, ends);
      assert.ok(parseFingerprint(fingerprintText('d', ends, q), q, 5).holes.length <= 5);
    }));
  });

  it('counts a damaged holes part as no holes, never failing or allocating without bound', () => {
    assert.deepEqual(parseFingerprint('d|holes=abc,12x,x3', q, 192), { data: 'd', holes: [], heardAt: null });
    assert.equal(parseFingerprint(`d|holes=${at(0)}x999999`, q, 192).holes.length, 192);
  });
});

describe('missing ends and late segments', () => {
  it('lists the grid ends in (from, to] that have no snapshot', () => {
    assert.deepEqual(missingEnds([at(1), at(4)], at(0), at(4), q), [at(2), at(3)]);
    assert.deepEqual(missingEnds([], at(0), at(0), q), []);
  });

  it('groups filled holes into runs, each resuming at the first end that is not still waiting', () => {
    assert.deepEqual(lateSegments([at(2), at(3), at(6)], [at(4), at(7)], q), [
      { ends: [at(2), at(3)], resumeAt: at(5) },
      { ends: [at(6)], resumeAt: at(8) },
    ]);
  });
});
