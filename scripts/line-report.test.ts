import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { areaOf, lineLength, measureFile, summarise } from './line-report.ts';

describe('line report', () => {
  it('measures a line in code points, as max-len does, so − and 𝑉 count as one character each', () => {
    assert.equal(lineLength('−Q'), 2);
    assert.equal(lineLength('𝑉'), 1);
    assert.equal(lineLength('\tx'), 5);
    assert.equal(lineLength('ab\tx'), 5);
  });

  it('counts a line of 141 characters as long and one of 140 as not', () => {
    const text = `${'a'.repeat(140)}\n${'b'.repeat(141)}\r\n${'−'.repeat(141)}\n`;
    assert.deepEqual(measureFile('packages/core/src/x.ts', text), { file: 'packages/core/src/x.ts', lines: 3, longLines: 2 });
  });

  it('does not count the end of the last line as a line, as max-lines does not', () => {
    assert.equal(measureFile('scripts/x.ts', 'a\n'.repeat(400)).lines, 400);
    assert.equal(measureFile('scripts/x.ts', `${'a\n'.repeat(400)}\n`).lines, 401);
  });

  it('sums by package under packages/ and tools/, and by top folder elsewhere', () => {
    assert.equal(areaOf('packages/secure/src/node/tls/tls-options.ts'), 'packages/secure');
    assert.equal(areaOf('tools/test-kit/src/peer.ts'), 'tools/test-kit');
    assert.equal(areaOf('scripts/line-report.ts'), 'scripts');
    const sizes = [
      { file: 'scripts/a.ts', lines: 10, longLines: 1 },
      { file: 'packages/core/src/a.ts', lines: 401, longLines: 2 },
      { file: 'packages/core/src/b.ts', lines: 12, longLines: 3 },
    ];
    assert.deepEqual(summarise(sizes), [
      { area: 'packages/core', files: 2, longLines: 5, longFiles: 1 },
      { area: 'scripts', files: 1, longLines: 1, longFiles: 0 },
    ]);
  });
});
