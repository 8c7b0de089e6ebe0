import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Q, ValidationError } from '@phasewire/core';
import { checkEdit, EditRefusal, type EditRequest } from './check-edit.ts';
import { meterMeta, monday, quarterHour } from '../testing/mdm-test-kit.ts';

const meter = meterMeta().meter;
const request = (overrides: Partial<EditRequest> = {}): EditRequest => ({
  meter, quantity: Q.activeEnergyImport, interval: monday + 2 * quarterHour, value: 250,
  actor: 'operator-ana', reason: 'site log: generator test, meter bypassed', ...overrides,
});

describe('the rules of an interval edit', () => {
  it('accepts an edit with an actor, a reason and a finite, non-negative energy', () => {
    assert.doesNotThrow(() => { checkEdit(request()); });
    assert.doesNotThrow(() => { checkEdit(request({ value: 0 })); });
  });

  it('refuses an edit without a reason with a ValidationError that says what was being done', () => {
    for (const reason of ['', '   ']) {
      assert.throws(() => { checkEdit(request({ reason })); }, (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.code, 'PW_ERR_EDIT_REASON_REQUIRED');
        assert.match(error.message, /^Cannot edit the interval ending 2024-01-01T00:30:00.000Z of meter meter-0001: the reason is empty/);
        return true;
      });
    }
  });

  it('refuses an edit without an actor, or with a negative or non-finite value', () => {
    assert.throws(() => { checkEdit(request({ actor: ' ' })); }, { code: 'PW_ERR_EDIT_REASON_REQUIRED' });
    for (const value of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => { checkEdit(request({ value })); }, { code: 'PW_ERR_EDIT_INVALID' });
    }
  });

  it('names the field of a refused edit, so a caller can point at it (the API answers it as a body field)', () => {
    const fieldOf = (overrides: Partial<EditRequest>): string | undefined => {
      try {
        checkEdit(request(overrides));
      } catch (error) {
        assert.ok(error instanceof EditRefusal);
        return error.field;
      }
      return undefined;
    };
    assert.deepEqual([{ reason: ' ' }, { actor: '' }, { value: Number.NaN }, {}].map(fieldOf), ['reason', 'actor', 'value', undefined]);
  });
});
