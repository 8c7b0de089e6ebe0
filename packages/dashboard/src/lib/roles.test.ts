import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasRole } from './roles.ts';

describe('hasRole', () => {
  it('orders viewer < analyst < operator < admin', () => {
    assert.equal(hasRole('viewer', 'operator'), false);
    assert.equal(hasRole('analyst', 'operator'), false);
    assert.equal(hasRole('operator', 'operator'), true);
    assert.equal(hasRole('admin', 'operator'), true);
    assert.equal(hasRole('viewer', 'viewer'), true);
  });
});
