import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Q, ValidationError } from '@phasewire/core';
import { AuditTrail } from './audit-trail.ts';
import { applyEdits, checkEdit, EditRefusal, editInterval, type EditRequest } from './edit-interval.ts';
import { reconcile } from '../vee/reconcile.ts';
import { meterMeta, monday, quarterHour } from '../testing/mdm-test-kit.ts';
import type { FinalInterval } from '../types.ts';

const meter = meterMeta().meter;
const series: FinalInterval[] = [1, 2, 3].map((k) => ({ at: monday + k * quarterHour, value: 100 * k, quality: 'validated', raw: 100 * k, provenance: [], history: [] }));
const request = (overrides: Partial<EditRequest> = {}): EditRequest => ({
  meter, quantity: Q.activeEnergyImport, interval: monday + 2 * quarterHour, value: 250, actor: 'operator-ana', reason: 'site log: generator test, meter bypassed', ...overrides,
});
const now = monday + 10 * quarterHour;

describe('editing interval data', () => {
  it('sets the value, marks it edited, names EDIT with actor and reason, and keeps the old value', () => {
    const { intervals, trail } = editInterval(series, AuditTrail.empty(), request(), now);
    const edited = intervals[1];
    assert.equal(edited?.value, 250);
    assert.equal(edited.quality, 'edited');
    assert.deepEqual(edited.provenance, [{ rule: 'EDIT', from: 200, to: 250, quality: 'edited', reason: 'site log: generator test, meter bypassed', actor: 'operator-ana' }]);
    assert.deepEqual(edited.history.map((h) => [h.value, h.quality, h.supersededAt]), [[200, 'validated', now]]);
    assert.deepEqual(trail.entries.map((e) => [e.seq, e.actor, e.from, e.to, e.fromQuality]), [[1, 'operator-ana', 200, 250, 'validated']]);
    assert.equal(intervals[0], series[0]);
  });

  it('refuses an edit without a reason with a ValidationError, and changes nothing', () => {
    const trail = AuditTrail.empty();
    for (const reason of ['', '   ']) {
      assert.throws(() => editInterval(series, trail, request({ reason }), now), (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.code, 'PW_ERR_EDIT_REASON_REQUIRED');
        assert.match(error.message, /^Cannot edit the interval ending 2024-01-01T00:30:00.000Z of meter meter-0001: the reason is empty/);
        return true;
      });
    }
    assert.equal(trail.entries.length, 0);
    assert.equal(series[1]?.value, 200);
  });

  it('refuses an edit without an actor, of an unknown interval, or with a negative value', () => {
    assert.throws(() => editInterval(series, AuditTrail.empty(), request({ actor: '' }), now), { code: 'PW_ERR_EDIT_REASON_REQUIRED' });
    assert.throws(() => editInterval(series, AuditTrail.empty(), request({ interval: monday + 9 * quarterHour }), now), { code: 'PW_ERR_EDIT_INVALID' });
    assert.throws(() => editInterval(series, AuditTrail.empty(), request({ value: -1 }), now), { code: 'PW_ERR_EDIT_INVALID' });
  });

  it('names the field of a refused edit, so a caller can point at it (the API answers it as a body field)', () => {
    const fieldOf = (overrides: Partial<EditRequest>): string | undefined => {
      try {
        editInterval(series, AuditTrail.empty(), request(overrides), now);
      } catch (error) {
        assert.ok(error instanceof EditRefusal);
        return error.field;
      }
      return undefined;
    };
    const refused = [{ reason: ' ' }, { actor: '' }, { value: Number.NaN }, { interval: monday + 9 * quarterHour }].map(fieldOf);
    assert.deepEqual(refused, ['reason', 'actor', 'value', 'interval']);
    assert.doesNotThrow(() => { checkEdit(request({ interval: monday + 9 * quarterHour })); }, 'the rules of every edit need no series');
  });

  it('re-applies edits over a fresh VEE run, so reconciling with the stored series changes nothing', () => {
    const stored = editInterval(series, AuditTrail.empty(), request(), now);
    const rerun = applyEdits(series, stored.trail, meter, Q.activeEnergyImport);
    const merged = reconcile(stored.intervals, rerun, now + quarterHour);
    assert.deepEqual(merged, stored.intervals);
  });
});

describe('the audit trail', () => {
  it('is append-only: appending returns a new trail and the entries are frozen', () => {
    const empty = AuditTrail.empty();
    const one = editInterval(series, empty, request(), now).trail;
    assert.equal(empty.entries.length, 0);
    assert.equal(one.entries.length, 1);
    assert.ok(Object.isFrozen(one.entries) && Object.isFrozen(one.entries[0]));
    assert.throws(() => { (one.entries as unknown as unknown[]).push({}); }, TypeError);
  });

  it('refuses an entry older than the last one', () => {
    const trail = editInterval(series, AuditTrail.empty(), request(), now).trail;
    assert.throws(() => editInterval(series, trail, request({ value: 260 }), now - 1), { code: 'PW_ERR_AUDIT_ORDER' });
  });

  it('loads stored entries only when they are numbered and in time order', () => {
    const entries = editInterval(series, AuditTrail.empty(), request(), now).trail.entries;
    assert.equal(AuditTrail.of(entries).entries.length, 1);
    assert.throws(() => AuditTrail.of([{ ...entries[0]!, seq: 2 }]), { code: 'PW_ERR_AUDIT_ORDER' });
  });
});
