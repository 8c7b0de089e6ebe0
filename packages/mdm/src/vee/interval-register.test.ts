import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkIntervalRegister } from './interval-register.ts';

const intervals = [{ at: 1, value: 100 }, { at: 2, value: 200 }, { at: 3, value: 300 }];

describe('VEE-INTERVAL-REGISTER', () => {
  it('is silent when the intervals sum to the register delta within the tolerance', () => {
    assert.equal(checkIntervalRegister(intervals, 0, 3, 600.2, 0.5), undefined);
  });

  it('flags a span whose intervals disagree with the register', () => {
    const finding = checkIntervalRegister(intervals, 0, 3, 650, 0.5);
    assert.equal(finding?.rule, 'VEE-INTERVAL-REGISTER');
    assert.equal(finding.action, 'flag');
    assert.match(finding.reason, /sum to 600 Wh, the register delta is 650 Wh: -50 Wh apart/);
  });

  it('flags a span with a missing interval', () => {
    assert.match(checkIntervalRegister([...intervals, { at: 4, value: null }], 0, 4, 600, 0.5)?.reason ?? '', /1 interval missing/);
  });
});
