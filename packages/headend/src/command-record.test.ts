import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Q, toWireBatch } from '@phasewire/core';
import type { MeterId } from '@phasewire/core';
import { answered, commandLifetime, judgedByReading, wakeAllowanceMs } from './command-record.ts';
import type { CommandRecord } from './command-record.ts';

const t0 = Date.UTC(2026, 0, 5, 10, 0);
const pending: CommandRecord = { id: 'c1', device: 'm-1', kind: 'disconnect', sentAt: t0, expiresAt: t0 + 60_000, status: 'pending' };

describe('command record', () => {
  it('gives a command to a sleeping link at least its wake allowance, and the wait to the others', () => {
    assert.equal(commandLifetime('cellular', 30_000), wakeAllowanceMs.cellular);
    assert.equal(commandLifetime('cellular', 10 * 3_600_000), 10 * 3_600_000);
    assert.equal(commandLifetime('wifi', 30_000), 30_000);
    assert.equal(commandLifetime(null, 30_000), 30_000);
  });

  it('is done or failed by the device\'s answer, with a read decoded to quantities', () => {
    assert.deepEqual(answered(pending, { id: 'c1', ok: true, result: { relay: 'open' } }, t0 + 5),
      { ...pending, status: 'done', settledAt: t0 + 5, result: { relay: 'open' } });
    const refused = answered(pending, { id: 'c1', ok: false, code: 'PW_ERR_COMMAND_EXPIRED', reason: 'too late' }, t0 + 5);
    assert.deepEqual([refused.status, refused.code, refused.reason],
      ['failed', 'PW_ERR_COMMAND_EXPIRED', 'Device m-1 refused command c1: too late']);
    const read: CommandRecord = { ...pending, kind: 'read' };
    const batch =
      toWireBatch({ meter: 'm-1' as MeterId, snapshots: [{ meter: 'm-1' as MeterId, at: t0, values: new Map([[Q.voltageL1, 230.5]]) }] });
    assert.deepEqual(answered(read, { id: 'c1', ok: true, result: { batch } }, t0).result,
      { at: new Date(t0).toISOString(), values: { '1-0:32.7.0': { key: 'voltageL1', value: 230.5, unit: 'V' } } });
    const unusable = answered(read, { id: 'c1', ok: true, result: { batch: 'no batch' } }, t0);
    assert.equal(unusable.status, 'failed');
    assert.match(unusable.reason ?? '', /^Device m-1 answered read command c1 without a reading that can be used: /);
  });

  it('is judged timed out by a reading at or after its expiry, and by nothing earlier', () => {
    assert.equal(judgedByReading(pending, pending.expiresAt - 1, t0), pending);
    const judged = judgedByReading(pending, pending.expiresAt, t0 + 9);
    assert.equal(judged.status, 'timeout');
    assert.equal(judged.settledAt, t0 + 9);
    assert.equal(judgedByReading(judged, pending.expiresAt + 1, t0 + 10), judged, 'a verdict is not given twice');
  });
});
