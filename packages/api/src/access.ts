// Who may call what: the roles, the scopes of bearer tokens, and the table of every API route with
// the lowest role and the scope it needs. The server enforces the table in one hook and the tests
// walk it for every role, so a route cannot be added without a rule.
import type { Role, TokenScope } from './dto.ts';

export const roles: readonly Role[] = ['viewer', 'analyst', 'operator', 'admin', 'billing'];
// `billing` stands beside the line viewer < analyst < operator < admin: a billing clerk reads what a
// viewer reads and runs billing; nobody else but an admin touches billing (bills are customers' money).
const rank: Readonly<Record<Role, number>> = { viewer: 0, billing: 0, analyst: 1, operator: 2, admin: 3 };

export const roleAtLeast = (role: Role, minimum: Role): boolean =>
  (minimum === 'billing' ? role === 'billing' || role === 'admin' : rank[role] >= rank[minimum]);

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RouteRule {
  readonly method: HttpMethod;
  /** Fastify route path (`:id` parameters). */
  readonly url: string;
  /** null: open (signing in); every other route needs a session or a token. */
  readonly minRole: Role | null;
  /** The scope a bearer token needs; null: not open to tokens (the session routes). */
  readonly scope: TokenScope | null;
}

const rule =
  (method: HttpMethod, url: string, minRole: Role | null, scope: TokenScope | null): RouteRule => ({ method, url, minRole, scope });
const api = '/api/v1';

/** Every route of the API v1 (docs/api.md has the same table for people). */
export const routeRules: readonly RouteRule[] = [
  rule('POST', `${api}/session`, null, null),
  rule('GET', `${api}/session`, 'viewer', null),
  rule('DELETE', `${api}/session`, 'viewer', null),
  rule('POST', `${api}/users/me/password`, 'viewer', null),
  rule('GET', `${api}/fleet/summary`, 'viewer', 'read'),
  rule('GET', `${api}/meters`, 'viewer', 'read'),
  rule('GET', `${api}/meters/:id`, 'viewer', 'read'),
  rule('GET', `${api}/meters/:id/readings`, 'viewer', 'read'),
  rule('GET', `${api}/meters/:id/readings.csv`, 'analyst', 'read'),
  rule('GET', `${api}/meters/:id/rollups`, 'viewer', 'read'),
  rule('GET', `${api}/meters/:id/intervals`, 'viewer', 'read'),
  rule('POST', `${api}/meters/:id/intervals/edit`, 'analyst', 'command'),
  rule('GET', `${api}/meters/:id/quality`, 'viewer', 'read'),
  rule('GET', `${api}/meters/:id/power-quality`, 'viewer', 'read'),
  rule('GET', `${api}/meters/:id/power-quality/weekly`, 'viewer', 'read'),
  rule('GET', `${api}/meters/:id/power-quality/weekly.csv`, 'analyst', 'read'),
  rule('GET', `${api}/meters/:id/power-quality/weekly.pdf`, 'viewer', 'read'),
  rule('GET', `${api}/alarms`, 'viewer', 'read'),
  rule('POST', `${api}/alarms/:id/acknowledge`, 'operator', 'command'),
  rule('POST', `${api}/meters/:id/commands`, 'operator', 'command'),
  rule('GET', `${api}/meters/:id/commands/:command`, 'operator', 'command'),
  rule('POST', `${api}/meters/:id/revoke`, 'operator', 'command'),
  rule('GET', `${api}/meters/:id/protection`, 'viewer', 'read'),
  rule('PUT', `${api}/meters/:id/protection`, 'admin', 'command'),
  rule('PUT', `${api}/meters/:id/load-limit`, 'operator', 'command'),
  rule('GET', `${api}/protection/trips`, 'viewer', 'read'),
  rule('POST', `${api}/enrollment-tokens`, 'operator', 'command'),
  rule('GET', `${api}/users`, 'admin', 'admin'),
  rule('POST', `${api}/users`, 'admin', 'admin'),
  rule('PATCH', `${api}/users/:id`, 'admin', 'admin'),
  rule('GET', `${api}/tokens`, 'admin', 'admin'),
  rule('POST', `${api}/tokens`, 'admin', 'admin'),
  rule('DELETE', `${api}/tokens/:id`, 'admin', 'admin'),
  rule('GET', `${api}/audit`, 'admin', 'admin'),
  rule('GET', `${api}/live`, 'viewer', 'read'),
];

/** The billing routes (routes-billing.ts), in a table of their own with a test of their own (billing-access.test.ts). */
export const billingRouteRules: readonly RouteRule[] = [
  rule('GET', `${api}/billing/tariffs`, 'billing', 'billing'),
  rule('POST', `${api}/billing/tariffs`, 'billing', 'billing'),
  rule('GET', `${api}/billing/tariffs/:id`, 'billing', 'billing'),
  rule('GET', `${api}/billing/accounts`, 'billing', 'billing'),
  rule('PUT', `${api}/billing/accounts/:id`, 'billing', 'billing'),
  rule('POST', `${api}/billing/accounts/:id/service-points`, 'billing', 'billing'),
  rule('POST', `${api}/billing/accounts/:id/tariffs`, 'billing', 'billing'),
  rule('GET', `${api}/billing/accounts/:id/running`, 'billing', 'billing'),
  rule('GET', `${api}/billing/service-points`, 'billing', 'billing'),
  rule('PUT', `${api}/billing/service-points/:id`, 'billing', 'billing'),
  rule('POST', `${api}/billing/service-points/:id/installations`, 'billing', 'billing'),
  rule('POST', `${api}/billing/service-points/:id/exchange`, 'billing', 'billing'),
  rule('GET', `${api}/billing/runs`, 'billing', 'billing'),
  rule('POST', `${api}/billing/runs`, 'billing', 'billing'),
  rule('GET', `${api}/billing/runs/:cycle`, 'billing', 'billing'),
  rule('GET', `${api}/billing/bills`, 'billing', 'billing'),
  rule('GET', `${api}/billing/bills/:id`, 'billing', 'billing'),
  rule('GET', `${api}/billing/bills/:id/intervals`, 'billing', 'billing'),
  rule('POST', `${api}/billing/bills/:id/issue`, 'billing', 'billing'),
  rule('POST', `${api}/billing/bills/:id/rebill`, 'billing', 'billing'),
  rule('GET', `${api}/billing/audit`, 'billing', 'billing'),
  // Exports (routes-exports.ts, routes-bill-exports.ts): customers' data, so for billing.
  rule('GET', `${api}/meters/:id/greenbutton.xml`, 'billing', 'billing'),
  rule('GET', `${api}/meters/:id/intervals.csv`, 'billing', 'billing'),
  rule('GET', `${api}/billing/bills/:id/bill.pdf`, 'billing', 'billing'),
  rule('GET', `${api}/billing/bills/:id/greenbutton.xml`, 'billing', 'billing'),
  rule('GET', `${api}/billing/bills.csv`, 'billing', 'billing'),
];

/**
 * The firmware routes (routes-firmware.ts): reading for every role; starting and resuming a campaign
 * changes what meters run (admin), pausing and aborting stops it (operator).
 */
export const firmwareRouteRules: readonly RouteRule[] = [
  rule('GET', `${api}/firmware/images`, 'viewer', 'read'),
  rule('GET', `${api}/firmware/campaigns`, 'viewer', 'read'),
  rule('POST', `${api}/firmware/campaigns`, 'admin', 'command'),
  rule('GET', `${api}/firmware/campaigns/:id`, 'viewer', 'read'),
  rule('POST', `${api}/firmware/campaigns/:id/pause`, 'operator', 'command'),
  rule('POST', `${api}/firmware/campaigns/:id/resume`, 'admin', 'command'),
  rule('POST', `${api}/firmware/campaigns/:id/abort`, 'operator', 'command'),
  rule('PUT', `${api}/firmware/devices/:id/labels`, 'operator', 'command'),
];

export function findRule(method: string, url: string): RouteRule | undefined {
  const match = (r: RouteRule): boolean => r.method === method && r.url === url;
  return routeRules.find(match) ?? billingRouteRules.find(match) ?? firmwareRouteRules.find(match);
}

/** Who is calling: a signed-in user (cookie session) or a bearer token. */
export type ApiPrincipal =
  | { readonly kind: 'user'; readonly userId: string; readonly username: string; readonly role: Role; readonly tenant: string;
    readonly sessionId: string; readonly csrfToken: string }
  | { readonly kind: 'token'; readonly tokenId: string; readonly name: string; readonly scopes: readonly TokenScope[];
    readonly tenant: string };

/** How the principal is named in the audit log. */
export const actorOf = (principal: ApiPrincipal): string =>
  principal.kind === 'user' ? `user:${principal.username}` : `token:${principal.tokenId}`;

export type AccessDecision = 'allow' | 'forbidden' | 'session-only';

/** Whether the principal may call the route (authentication is settled before). */
export function authorise(principal: ApiPrincipal, route: RouteRule): AccessDecision {
  if (route.minRole === null) return 'allow';
  if (principal.kind === 'user') return roleAtLeast(principal.role, route.minRole) ? 'allow' : 'forbidden';
  if (route.scope === null) return 'session-only';
  return principal.scopes.includes(route.scope) ? 'allow' : 'forbidden';
}

/** Methods that change state: a cookie-authenticated one must carry the CSRF token. */
export const changesState = (method: string): boolean => method === 'POST' || method === 'PATCH' || method === 'PUT' || method === 'DELETE';
