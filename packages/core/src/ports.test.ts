import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, SeededRandom } from './ports.ts';
import { hasCode, PhasewireError, ValidationError } from './errors.ts';
import { parseMeterId } from './ids.ts';
import { energyOf, seconds, watts } from './units.ts';

describe('SeededRandom', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const seqA = Array.from({ length: 100 }, () => a.next());
    assert.deepEqual(seqA, Array.from({ length: 100 }, () => b.next()));
    assert.notDeepEqual(seqA, Array.from({ length: 100 }, () => c.next()));
  });

  it('stays in [0, 1) with a mean near 1/2 and normal deviates near N(0, 1)', () => {
    const random = new SeededRandom(7);
    const n = 100_000;
    let sum = 0;
    let sumSquares = 0;
    let normalSum = 0;
    for (let i = 0; i < n; i++) {
      const x = random.next();
      assert.ok(x >= 0 && x < 1);
      sum += x;
      const z = random.normal();
      normalSum += z;
      sumSquares += z * z;
    }
    assert.ok(Math.abs(sum / n - 0.5) < 0.01);
    assert.ok(Math.abs(normalSum / n) < 0.02);
    assert.ok(Math.abs(sumSquares / n - 1) < 0.03);
  });

  it('forks independent generators deterministically', () => {
    const fork1 = new SeededRandom(1).fork();
    const fork2 = new SeededRandom(1).fork();
    assert.equal(fork1.next(), fork2.next());
    const parent = new SeededRandom(1);
    const child = parent.fork();
    assert.notEqual(parent.next(), child.next());
  });
});

describe('ManualClock', () => {
  it('moves only when told', () => {
    const clock = new ManualClock(1000);
    assert.equal(clock.now(), 1000);
    clock.advance(500);
    assert.equal(clock.now(), 1500);
    clock.set(0);
    assert.equal(clock.now(), 0);
  });
});

describe('errors and ids', () => {
  it('carry a stable code, a family and the cause', () => {
    const cause = new Error('inner');
    const error = new ValidationError('PW_ERR_INVALID_ID', 'outer', { cause });
    assert.ok(error instanceof PhasewireError);
    assert.equal(error.name, 'ValidationError');
    assert.equal(error.family, 'validation');
    assert.equal(error.cause, cause);
    assert.ok(hasCode(error, 'PW_ERR_INVALID_ID'));
    assert.ok(!hasCode(new Error('x'), 'PW_ERR_INVALID_ID'));
  });

  it('accept meter ids that are safe as topic levels and file names, and refuse others', () => {
    assert.equal(parseMeterId('meter-0001'), 'meter-0001');
    for (const bad of ['', 'ab', 'Meter-1', 'meter/1', 'meter+1', '-meter', 'x'.repeat(65), 'meter 1']) {
      assert.throws(() => parseMeterId(bad), { code: 'PW_ERR_INVALID_ID' }, bad);
    }
  });

  it('convert power over time to watt-hours', () => {
    assert.equal(energyOf(watts(2070), seconds(3600)), 2070);
  });
});
