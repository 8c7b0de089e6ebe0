// Role order of the API contract: viewer < analyst < operator < admin. The server decides; the
// dashboard only uses this to disable controls the user cannot use and to say why.
import type { Role } from '@phasewire/api';

// `billing` stands beside the line: a viewer's reading rights plus billing, which only it and admin have.
const rank: Readonly<Record<Role, number>> = { viewer: 0, billing: 0, analyst: 1, operator: 2, admin: 3 };

export function hasRole(actual: Role, needed: Role): boolean {
  if (needed === 'billing') return actual === 'billing' || actual === 'admin';
  return rank[actual] >= rank[needed];
}
