// Every route of the API for every role, and for bearer tokens of every scope: allowed where the
// access table says so (and then answering with data), 403 below the route's role or scope, 401
// without credentials. The table in src/access.ts is walked whole, so a new route without a
// case here fails the first test.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-argument,
   @typescript-eslint/no-unsafe-call -- answers are parsed JSON, read field by field against the contract */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { roleAtLeast, routeRules } from '../access.ts';
import type { Role, TokenScope } from '../dto.ts';
import { startApiRig } from '../testing/api-test-kit.ts';
import type { ApiRig, CallOptions } from '../testing/api-test-kit.ts';

const range = 'from=2026-01-15T00:00:00Z&to=2026-01-15T06:00:00Z';

interface Case {
  readonly path: string;
  readonly body?: unknown;
  /** A session of its own (routes that end or change the caller's session). */
  readonly ownSession?: boolean;
  /** What an allowed call answers. */
  readonly ok: number;
  /** Checks the answer's content. */
  readonly check?: (json: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any -- answers are read field by field
}

/** One request per route, given who calls (a role name, or a token scope) and a per-call counter. */
function cases(rig: ApiRig, who: string, n: number, which?: string): Record<string, Case> {
  const ackId = `al-ack-${who}-${n}`;
  const raised = rig.alarms.get('al-1')!;
  if (which === 'POST /api/v1/alarms/:id/acknowledge') rig.alarms.set(ackId, { ...raised, id: ackId, severity: 'warn', state: 'raised' });
  const token = () => rig.auth.createToken({ name: `t-${who}-${n}`, scopes: ['read'], tenant: 'default', lifetimeMs: 3_600_000,
    createdBy: 'test' }).record.id;
  return {
    'POST /api/v1/session': { path: '/api/v1/session', body: { username: 'viewer', password: 'correct horse battery staple' }, ok: 200,
      check: (j) => { assert.equal(j.user.username, 'viewer'); } },
    'GET /api/v1/session': { path: '/api/v1/session', ok: 200, check: (j) => { assert.equal(typeof j.csrfToken, 'string'); } },
    'DELETE /api/v1/session': { path: '/api/v1/session', ownSession: true, ok: 204 },
    'POST /api/v1/users/me/password': { path: '/api/v1/users/me/password', ownSession: true,
      body: { current: 'correct horse battery staple', next: 'correct horse battery staple' }, ok: 204 },
    'GET /api/v1/fleet/summary': { path: '/api/v1/fleet/summary', ok: 200,
      check: (j) => { assert.equal(j.meters, 6); assert.equal(j.activeAlarms.critical >= 1, true); } },
    'GET /api/v1/meters': { path: '/api/v1/meters?limit=2', ok: 200,
      check: (j) => { assert.equal(j.items.length, 2); assert.equal(j.total, 6); assert.equal(typeof j.nextCursor, 'string'); } },
    'GET /api/v1/meters/:id': { path: '/api/v1/meters/m-a1', ok: 200,
      check: (j) => { assert.equal(j.id, 'm-a1'); assert.equal(j.latest.values['1-0:32.7.0'] > 200, true); } },
    'GET /api/v1/meters/:id/readings': { path: `/api/v1/meters/m-a1/readings?quantity=1-0:32.7.0&${range}`, ok: 200,
      check: (j) => { assert.equal(j.unit, 'V'); assert.equal(j.points.length, 24); } },
    'GET /api/v1/meters/:id/readings.csv': { path: `/api/v1/meters/m-a1/readings.csv?quantities=1-0:32.7.0,1-0:1.8.0&${range}`, ok: 200 },
    'GET /api/v1/meters/:id/rollups': { path: `/api/v1/meters/m-a1/rollups?quantity=1-0:1.8.0&period=hour&${range}`, ok: 200,
      check: (j) => { assert.equal(j.points.length, 6); assert.equal(j.points[1].sum, 1000); } },
    'GET /api/v1/meters/:id/intervals': { path: `/api/v1/meters/m-a1/intervals?quantity=1-0:1.8.0&${range}`, ok: 200,
      check: (j) => { assert.equal(j.points.length, 24); } },
    'POST /api/v1/meters/:id/intervals/edit': { path: '/api/v1/meters/m-a1/intervals/edit',
      body: { quantity: '1-0:1.8.0', start: `2026-01-15T0${n % 6}:00:00Z`, value: 100 + n, reason: 'register replaced' }, ok: 200,
      check: (j) => { assert.equal(j.quality, 'edited'); assert.equal(j.value, 100 + n); } },
    'GET /api/v1/meters/:id/quality': { path: `/api/v1/meters/m-a1/quality?${range}`, ok: 200,
      check: (j) => { assert.equal(j.days.length, 1); } },
    'GET /api/v1/meters/:id/power-quality': { path: '/api/v1/meters/m-a1/power-quality', ok: 200,
      check: (j) => { assert.equal(j.unbalance.vuf.standard, 'IEC 61000-4-30 VUF'); } },
    'GET /api/v1/meters/:id/power-quality/weekly': { path: '/api/v1/meters/m-a1/power-quality/weekly?week=2026-W03&zone=Europe/Berlin',
      ok: 200, check: (j) => { assert.equal(j.week, '2026-W03'); assert.equal(j.criteria.length, 12); } },
    'GET /api/v1/meters/:id/power-quality/weekly.csv': { path: '/api/v1/meters/m-a1/power-quality/weekly.csv?week=2026-W03', ok: 200 },
    'GET /api/v1/meters/:id/power-quality/weekly.pdf': { path: '/api/v1/meters/m-a1/power-quality/weekly.pdf?week=2026-W03', ok: 200 },
    'GET /api/v1/alarms': { path: '/api/v1/alarms?state=all', ok: 200,
      check: (j) => { const ids = j.items.map((a: { id: string }) => a.id); assert.equal(ids.includes('al-1'), true);
      assert.equal(ids.includes('al-9'), false); } },
    'POST /api/v1/alarms/:id/acknowledge': { path: `/api/v1/alarms/${ackId}/acknowledge`, body: { note: 'on it' }, ok: 200,
      check: (j) => { assert.equal(j.state, 'acknowledged'); } },
    'POST /api/v1/meters/:id/commands': { path: '/api/v1/meters/m-a1/commands', body: { kind: 'read' }, ok: 200,
      check: (j) => { assert.equal(j.status, 'done'); } },
    'GET /api/v1/meters/:id/commands/:command': {
      path: '/api/v1/meters/m-a1/commands/cmd-1', ok: 200, check: (j) => { assert.equal(j.id, 'cmd-1'); assert.equal(j.status, 'done'); },
    },
    'GET /api/v1/meters/:id/protection': { path: '/api/v1/meters/m-a1/protection', ok: 200,
      check: (j) => { assert.equal(j.trips[0].fn, 'phase-loss'); assert.equal(j.trips[0].record.values.voltage[2], 0); } },
    'PUT /api/v1/meters/:id/protection': { path: '/api/v1/meters/m-a1/protection', body: { version: 2 + n }, ok: 200,
      check: (j) => { assert.equal(j.kind, 'protection-settings'); assert.equal(j.status, 'done'); } },
    'PUT /api/v1/meters/:id/load-limit': { path: '/api/v1/meters/m-a1/load-limit', body: { version: 2 + n, current: 32 }, ok: 200,
      check: (j) => { assert.equal(j.kind, 'load-limit'); assert.equal(j.status, 'done'); } },
    'GET /api/v1/protection/trips': { path: '/api/v1/protection/trips', ok: 200,
      check: (j) => { assert.deepEqual(j.trips.map((t: { meter: string }) => t.meter), ['m-a1']); } },
    'POST /api/v1/meters/:id/revoke': { path: `/api/v1/meters/m-x-${who}/revoke`, body: { reason: 'stolen' }, ok: 200,
      check: (j) => { assert.equal(j.state, 'revoked'); assert.equal(j.online, false); } },
    'POST /api/v1/enrollment-tokens': { path: '/api/v1/enrollment-tokens', body: { serial: `m-new-${who}-${n}`, expiresInHours: 2 },
      ok: 201, check: (j) => { assert.match(j.token, /^pwe1\./); } },
    'GET /api/v1/users': { path: '/api/v1/users', ok: 200,
      check: (j) => { assert.equal(j.items.some((u: { username: string }) => u.username === 'beta-admin'), false); } },
    'POST /api/v1/users': { path: '/api/v1/users',
      body: { username: `new-${who}-${n}`, password: 'a long enough password', role: 'viewer' }, ok: 201,
      check: (j) => { assert.equal(j.tenant, 'default'); } },
    'PATCH /api/v1/users/:id': { path: `/api/v1/users/${rig.accounts.userByName('analyst')?.id ?? ''}`, body: { disabled: false }, ok: 200,
      check: (j) => { assert.equal(j.disabled, false); } },
    'GET /api/v1/tokens': { path: '/api/v1/tokens', ok: 200,
      check: (j) => { assert.equal(Array.isArray(j.items), true); assert.equal(JSON.stringify(j).includes('secretHash'), false); } },
    'POST /api/v1/tokens': { path: '/api/v1/tokens', body: { name: 'ci', scopes: ['read'] }, ok: 201,
      check: (j) => { assert.match(j.token, /^pwt_[0-9a-f]{16}_/); } },
    'DELETE /api/v1/tokens/:id': { path: `/api/v1/tokens/${which === 'DELETE /api/v1/tokens/:id' ? token() : 'none'}`, ok: 204 },
    'GET /api/v1/audit': { path: '/api/v1/audit?limit=5', ok: 200, check: (j) => { assert.equal(j.items.length, 5); } },
  };
}

const roleOrder: Role[] = ['viewer', 'analyst', 'operator', 'admin'];

describe('API access: every route for every role', () => {
  let rig: ApiRig;
  before(async () => { rig = await startApiRig(); });
  after(async () => { await rig.close(); });

  it('has a case for every route of the access table', () => {
    const table = cases(rig, 'viewer', 0);
    const missing = routeRules.filter((r) => !(`${r.method} ${r.url}` in table)).map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(missing.filter((m) => m !== 'GET /api/v1/live'), []);
  });

  for (const role of roleOrder) {
    it(`serves a ${role} the routes of ${role} and below, and refuses the rest with 403`, async () => {
      let n = roleOrder.indexOf(role) * 100;
      for (const rule of routeRules.filter((r) => r.url !== '/api/v1/live')) {
        n += 1;
        const c = (cases(rig, role, n, `${rule.method} ${rule.url}`))[`${rule.method} ${rule.url}`]!;
        let session = rig.sessions.get(role)!;
        if (c.ownSession === true) {
          const user = `own-${role}-${n}`;
          await rig.addUser(user, role);
          session = await rig.login(user);
        }
        const options: CallOptions = rule.minRole === null ? (c.body === undefined ? {} : { body: c.body })
          : { session, ...(c.body === undefined ? {} : { body: c.body }) };
        const answer = await rig.call(rule.method, c.path, options);
        const allowed = rule.minRole === null || roleAtLeast(role, rule.minRole);
        if (allowed) {
          assert.equal(answer.status, c.ok, `${role} ${rule.method} ${c.path}: ${answer.text}`);
          c.check?.(answer.json);
        } else {
          assert.equal(answer.status, 403, `${role} ${rule.method} ${c.path}: ${answer.text}`);
          assert.equal(answer.json.error.code, 'PW_ERR_API_FORBIDDEN');
        }
      }
    });
  }

  it('refuses every route but sign-in with 401 when there is no session or token', async () => {
    for (const rule of routeRules.filter((r) => r.minRole !== null)) {
      const c = (cases(rig, 'anonymous', 900, `${rule.method} ${rule.url}`))[`${rule.method} ${rule.url}`] ?? { path: rule.url, ok: 0 };
      const answer = await rig.call(rule.method, c.path, c.body === undefined ? {} : { body: c.body });
      assert.equal(answer.status, 401, `${rule.method} ${c.path}: ${answer.text}`);
      assert.equal(answer.json.error.code, 'PW_ERR_API_UNAUTHENTICATED');
    }
  });

  for (const scope of ['read', 'command', 'admin'] as TokenScope[]) {
    it(`serves a bearer token with scope ${scope} exactly the routes of that scope, without CSRF`, async () => {
      const { token } =
        rig.auth.createToken({ name: `scope-${scope}`, scopes: [scope], tenant: 'default', lifetimeMs: 3_600_000, createdBy: 'test' });
      let n = 500 + ['read', 'command', 'admin'].indexOf(scope) * 100;
      for (const rule of routeRules.filter((r) =>
        r.minRole !== null && r.url !== '/api/v1/live' && !r.url.startsWith('/api/v1/meters/:id/revoke'))) {
        n += 1;
        const c = (cases(rig, `token-${scope}`, n, `${rule.method} ${rule.url}`))[`${rule.method} ${rule.url}`]!;
        const answer = await rig.call(rule.method, c.path, { bearer: token, ...(c.body === undefined ? {} : { body: c.body }) });
        if (rule.scope === scope) {
          assert.equal(answer.status, c.ok, `${scope} ${rule.method} ${c.path}: ${answer.text}`);
        } else {
          assert.equal(answer.status, 403, `${scope} ${rule.method} ${c.path}: ${answer.text}`);
        }
      }
    });
  }

  it('records every change and command in the audit log, with the actor', async () => {
    const answer = await rig.call('GET', '/api/v1/audit?limit=1000', { session: rig.sessions.get('admin')! });
    const actions = new Set<string>(answer.json.items.map((e: { action: string; actor: string }) => `${e.action} ${e.actor}`));
    for (const expected of [
      'interval.edit user:analyst', 'meter.command user:operator', 'meter.revoke user:operator', 'enrollment-token.create user:operator',
      'alarm.acknowledge user:operator', 'user.create user:admin', 'user.update user:admin', 'token.create user:admin',
      'token.delete user:admin', 'meter.protection.settings user:admin', 'meter.load-limit user:operator',
      'readings.export user:analyst', 'user.password user:own-viewer-4', 'session.delete user:own-viewer-3',
    ]) assert.equal(actions.has(expected), true, `no audit entry "${expected}" in ${[...actions].join('; ')}`);
    const revoke = answer.json.items.find((e: { action: string }) => e.action === 'meter.revoke');
    assert.equal(revoke.detail.reason, 'stolen');
    assert.equal(answer.json.items.some((e: { object: string }) => e.object.includes('m-b1')), false);
  });
});
