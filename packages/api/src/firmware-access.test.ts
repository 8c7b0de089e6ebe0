import { it } from 'node:test';
import assert from 'node:assert/strict';
import { findRule, firmwareRouteRules, roleAtLeast } from './access.ts';
import type { Role } from './dto.ts';

void it('lets every role read firmware, an operator pause and abort, and only an admin start or resume a campaign', () => {
  const may = (role: Role, method: string, url: string): boolean => {
    const rule = findRule(method, `/api/v1/firmware/${url}`);
    assert.ok(rule?.minRole, `a rule for ${method} ${url}`);
    return roleAtLeast(role, rule.minRole);
  };
  assert.equal(firmwareRouteRules.length, 8);
  assert.deepEqual(['viewer', 'operator', 'admin'].map((r) => [
    may(r as Role, 'GET', 'campaigns/:id'), may(r as Role, 'POST', 'campaigns/:id/pause'), may(r as Role, 'POST', 'campaigns/:id/abort'),
    may(r as Role, 'POST', 'campaigns'), may(r as Role, 'POST', 'campaigns/:id/resume'),
  ]), [[true, false, false, false, false], [true, true, true, false, false], [true, true, true, true, true]]);
});
