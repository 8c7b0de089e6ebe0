// Role order of the API contract: viewer < analyst < operator < admin. The server decides; the
// dashboard only uses this to disable controls the user cannot use and to say why.
import type { Role } from '@phasewire/api';

const rank: Readonly<Record<Role, number>> = { viewer: 0, analyst: 1, operator: 2, admin: 3 };

export function hasRole(actual: Role, needed: Role): boolean {
  return rank[actual] >= rank[needed];
}
