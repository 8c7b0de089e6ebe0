// The refusals: 401 (no or bad credentials, ended sessions), 403 CSRF, 404 for unknown objects and
// for another tenant's (the same answer), 400 naming the bad field, 413, 429 with Retry-After; the
// session cookie's attributes; the OpenAPI document; the append-only audit log.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-argument,
   @typescript-eslint/no-unsafe-call -- answers are parsed JSON, read field by field against the contract */
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { routeRules } from '../access.ts';
import { defaultLoginLimits } from './authentication.ts';
import { password, startApiRig } from '../testing/api-test-kit.ts';
import type { ApiRig } from '../testing/api-test-kit.ts';

/**
 * The rules of the OpenAPI 3.1.0 specification that a document made from route schemas can break:
 * the root fields (§4.8.1), info with title and version (§4.8.2), path items and operations
 * (§4.8.9–4.8.10) each with responses keyed by status code (§4.8.16), parameters with name and a
 * known `in`, path parameters required and named in the path (§4.8.12). Returns what is wrong.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed document
function openApi31Problems(document: Record<string, any>): string[] {
  const problems: string[] = [];
  const rootFields =
    new Set(['openapi', 'info', 'jsonSchemaDialect', 'servers', 'paths', 'webhooks', 'components', 'security', 'tags', 'externalDocs']);
  for (const key of Object.keys(document)) if (!rootFields.has(key) && !key.startsWith('x-')) problems.push(`unknown root field ${key}`);
  if (typeof document['openapi'] !== 'string' || !/^3\.1\.\d+$/.test(document['openapi'])) problems.push('openapi is not 3.1.x');
  if (typeof document['info']?.title !== 'string' || typeof document['info']?.version !== 'string')
    problems.push('info needs title and version');
  const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
  const itemFields = new Set([...methods, '$ref', 'summary', 'description', 'servers', 'parameters']);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  for (const [path, item] of Object.entries<Record<string, any>>(document['paths'] ?? {})) {
    if (!path.startsWith('/')) problems.push(`path ${path} does not start with /`);
    for (const [method, operation] of Object.entries(item)) {
      if (!itemFields.has(method) && !method.startsWith('x-')) problems.push(`${path}: unknown field ${method}`);
      if (!methods.has(method)) continue;
      const responses = Object.keys(operation.responses ?? {});
      if (responses.length === 0) problems.push(`${method} ${path}: no responses`);
      for (const status of responses)
        if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problems.push(`${method} ${path}: response key ${status}`);
      for (const parameter of operation.parameters ?? []) {
        if (typeof parameter.name !== 'string' || !['query', 'header', 'path', 'cookie'].includes(parameter.in))
          problems.push(`${method} ${path}: bad parameter ${JSON.stringify(parameter)}`);
        if (parameter.in === 'path' && (parameter.required !== true || !path.includes(`{${String(parameter.name)}}`)))
          problems.push(`${method} ${path}: path parameter ${String(parameter.name)}`);
      }
    }
  }
  return problems;
}

describe('API refusals', () => {
  let rig: ApiRig;
  before(async () => { rig = await startApiRig(); });
  after(async () => { await rig.close(); });
  const admin = () => rig.sessions.get('admin')!;

  it('sets the session cookie httpOnly, Secure, SameSite=Strict, Path=/', async () => {
    const answer = await rig.call('POST', '/api/v1/session', { body: { username: 'viewer', password: 'correct horse battery staple' } });
    const cookie = String(answer.headers['set-cookie']);
    for (const attribute of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']) assert.match(cookie, new RegExp(attribute, 'i'));
  });

  it('speaks TLS 1.3 only: a TLS 1.2 client is refused in the handshake', async () => {
    const outcome = (maxVersion: 'TLSv1.2' | 'TLSv1.3') => new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: rig.server.port, servername: 'localhost', ca: rig.ca.anchors, maxVersion });
      socket.once('secureConnect', () => { resolve(socket.getProtocol() ?? 'none'); socket.destroy(); });
      socket.once('error', (error: NodeJS.ErrnoException) => { resolve(`refused ${error.code ?? ''}`); });
    });
    assert.equal(await outcome('TLSv1.3'), 'TLSv1.3');
    assert.match(await outcome('TLSv1.2'), /^refused/);
  });

  it('refuses a disabled user at sign-in and ends their sessions; an admin cannot demote themselves', async () => {
    const id = await rig.addUser('leaver', 'operator');
    const session = await rig.login('leaver');
    const admin = rig.sessions.get('admin')!;
    assert.equal((await rig.call('PATCH', `/api/v1/users/${id}`, { session: admin, body: { disabled: true } })).status, 200);
    assert.equal((await rig.call('GET', '/api/v1/session', { session })).status, 401);
    assert.equal((await rig.call('POST', '/api/v1/session',
      { body: { username: 'leaver', password: 'correct horse battery staple' } })).status, 401);
    const self = rig.accounts.userByName('admin')!.id;
    const demote = await rig.call('PATCH', `/api/v1/users/${self}`, { session: admin, body: { role: 'viewer' } });
    assert.equal(demote.status, 400);
    assert.equal(demote.json.error.field, '/body/role');
  });

  it('answers a wrong password and an unknown user with the same 401', async () => {
    const wrong = await rig.call('POST', '/api/v1/session', { body: { username: 'analyst', password: 'not the password' } });
    const unknown = await rig.call('POST', '/api/v1/session', { body: { username: 'nobody', password: 'not the password' } });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(wrong.json, unknown.json);
  });

  it('refuses a forged cookie, a malformed, unknown or expired bearer token with 401', async () => {
    const { token } = rig.auth.createToken({ name: 'short', scopes: ['read'], tenant: 'default', lifetimeMs: 1_000, createdBy: 'test' });
    for (const options of [
      { session: { cookie: 'forged', csrf: 'x' } },
      { bearer: 'not-a-token' },
      { bearer: `pwt_0123456789abcdef_${'A'.repeat(43)}` },
      { bearer: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` },
    ]) {
      const answer = await rig.call('GET', '/api/v1/meters', options);
      assert.equal(answer.status, 401, JSON.stringify(options));
    }
    assert.equal((await rig.call('GET', '/api/v1/meters', { bearer: token })).status, 200);
    rig.clock.advance(2_000);
    assert.equal((await rig.call('GET', '/api/v1/meters', { bearer: token })).status, 401);
  });

  it('ends a session after its idle timeout and after sign-out', async () => {
    const session = await rig.login('viewer');
    assert.equal((await rig.call('GET', '/api/v1/session', { session })).status, 200);
    assert.equal((await rig.call('DELETE', '/api/v1/session', { session })).status, 204);
    assert.equal((await rig.call('GET', '/api/v1/session', { session })).status, 401);
    const idle = await rig.login('viewer');
    rig.clock.advance(31 * 60_000);
    assert.equal((await rig.call('GET', '/api/v1/session', { session: idle })).status, 401);
    for (const name of rig.sessions.keys()) rig.sessions.set(name, await rig.login(name));
  });

  it('refuses a cookie-authenticated change without or with a wrong CSRF token (403 PW_ERR_API_CSRF)', async () => {
    const body = { kind: 'read' };
    const missing = await rig.call('POST', '/api/v1/meters/m-a1/commands', { session: rig.sessions.get('operator')!, noCsrf: true, body });
    const wrong =
      await rig.call('POST', '/api/v1/meters/m-a1/commands', { session: { ...rig.sessions.get('operator')!, csrf: 'wrong' }, body });
    for (const answer of [missing, wrong]) {
      assert.equal(answer.status, 403);
      assert.equal(answer.json.error.code, 'PW_ERR_API_CSRF');
    }
    const sent = rig.commands.length;
    assert.equal((await rig.call('POST', '/api/v1/meters/m-a1/commands', { session: rig.sessions.get('operator')!, body })).status, 200);
    assert.equal(rig.commands.length, sent + 1);
  });

  const meterRoutes = [
    ['GET', '/api/v1/meters/{id}'],
    ['GET', '/api/v1/meters/{id}/readings?quantity=1-0:32.7.0'],
    ['GET', '/api/v1/meters/{id}/readings.csv?quantities=1-0:32.7.0'],
    ['GET', '/api/v1/meters/{id}/rollups?quantity=1-0:1.8.0&period=day'],
    ['GET', '/api/v1/meters/{id}/intervals?quantity=1-0:1.8.0'],
    ['POST', '/api/v1/meters/{id}/intervals/edit', { quantity: '1-0:1.8.0', start: '2026-01-15T01:00:00Z', value: 1, reason: 'x' }],
    ['GET', '/api/v1/meters/{id}/quality'],
    ['GET', '/api/v1/meters/{id}/power-quality'],
    ['POST', '/api/v1/meters/{id}/commands', { kind: 'disconnect' }],
    ['POST', '/api/v1/meters/{id}/revoke', { reason: 'x' }],
  ] as const;

  it('answers 404 alike for an unknown meter and for another tenant\'s meter, on every meter route', async () => {
    for (const [method, template, body] of meterRoutes) {
      for (const id of ['m-nope', 'm-b1']) {
        const answer = await rig.call(method, template.replace('{id}', id), { session: admin(), ...(body === undefined ? {} : { body }) });
        assert.equal(answer.status, 404, `${method} ${template} ${id}: ${answer.text}`);
        assert.equal(answer.json.error.code, 'PW_ERR_API_NOT_FOUND');
      }
    }
    assert.equal(rig.commands.some((c) => c.device === 'm-b1'), false);
    assert.equal(rig.registry.get('m-b1')?.state, 'active');
    const beta = rig.sessions.get('beta-admin')!;
    assert.equal((await rig.call('GET', '/api/v1/meters/m-b1', { session: beta })).status, 200);
    assert.equal((await rig.call('GET', '/api/v1/meters/m-a1', { session: beta })).status, 404);
  });

  it('answers 404 for another tenant\'s alarm, user and token', async () => {
    const beta = rig.sessions.get('beta-admin')!;
    assert.equal((await rig.call('POST', '/api/v1/alarms/al-9/acknowledge',
      { session: rig.sessions.get('operator')!, body: { note: 'x' } })).status, 404);
    assert.equal((await rig.call('POST', '/api/v1/alarms/al-none/acknowledge',
      { session: rig.sessions.get('operator')!, body: { note: 'x' } })).status, 404);
    const viewerId = rig.accounts.userByName('viewer')!.id;
    assert.equal((await rig.call('PATCH', `/api/v1/users/${viewerId}`, { session: beta, body: { disabled: true } })).status, 404);
    const { record } = rig.auth.createToken({ name: 'a', scopes: ['read'], tenant: 'default', lifetimeMs: 3_600_000, createdBy: 'test' });
    assert.equal((await rig.call('DELETE', `/api/v1/tokens/${record.id}`, { session: beta })).status, 404);
    assert.equal(rig.accounts.token(record.id)?.id, record.id);
    const alarms = await rig.call('GET', '/api/v1/alarms?state=all', { session: beta });
    assert.deepEqual(alarms.json.items.map((a: { id: string }) => a.id), ['al-9']);
    assert.equal((await rig.call('POST', '/api/v1/enrollment-tokens',
      { session: rig.sessions.get('operator')!, body: { serial: 'm-b1' } })).status, 404);
  });

  it('answers 400 naming the bad field', async () => {
    const operator = rig.sessions.get('operator')!;
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/v1/enrollment-tokens', { serial: 'Bad Serial!' }, '/body/serial'],
      ['POST', '/api/v1/enrollment-tokens', {}, '/body/serial'],
      ['POST', '/api/v1/meters/m-a1/commands', { kind: 'explode' }, '/body/kind'],
      ['POST', '/api/v1/alarms/al-1/acknowledge', { note: '' }, '/body/note'],
      ['POST', '/api/v1/meters/m-a1/intervals/edit', { quantity: '1-0:32.7.0', start: '2026-01-15T01:00:00Z', value: 1, reason: 'x' },
        '/body/quantity'],
      ['POST', '/api/v1/meters/m-a1/intervals/edit', { quantity: '1-0:1.8.0', start: '2026-01-15T01:07:00Z', value: 1, reason: 'x' },
        '/body/start'],
      ['POST', '/api/v1/meters/m-a1/intervals/edit', { quantity: '1-0:1.8.0', start: '2026-01-15T01:00:00Z', value: -1, reason: 'x' },
        '/body/value'],
      ['GET', '/api/v1/meters?limit=0', undefined, '/querystring/limit'],
      ['GET', '/api/v1/meters?sort=colour', undefined, '/querystring/sort'],
      ['GET', '/api/v1/meters?cursor=zzz', undefined, '/querystring/cursor'],
      ['GET', '/api/v1/meters/m-a1/readings?quantity=9-9:9.9.9', undefined, '/querystring/quantity'],
      ['GET', '/api/v1/meters/m-a1/readings', undefined, '/querystring/quantity'],
      ['GET', '/api/v1/meters/m-a1/readings?quantity=1-0:32.7.0&from=yesterday', undefined, '/querystring/from'],
      ['GET', '/api/v1/meters/m-a1/readings?quantity=1-0:32.7.0&from=2025-01-01T00:00:00Z', undefined, '/querystring/from'],
      ['GET', '/api/v1/meters/m-a1/rollups?quantity=1-0:1.8.0&period=week', undefined, '/querystring/period'],
    ];
    for (const [method, path, body, field] of cases) {
      const answer = await rig.call(method, path, { session: rig.sessions.get('admin')!, ...(body === undefined ? {} : { body }) });
      assert.equal(answer.status, 400, `${method} ${path}: ${answer.text}`);
      assert.equal(answer.json.error.field, field, `${method} ${path}: ${answer.text}`);
      assert.match(answer.json.error.message, new RegExp(field.split('/').slice(1).join('\\.')), answer.text);
    }
    const broken = await rig.call('POST', '/api/v1/meters/m-a1/commands', { session: operator, rawBody: '{"kind":' });
    assert.equal(broken.status, 400);
  });

  it('refuses an interval edit by the rules every edit obeys (mdm/editing), naming the body field', async () => {
    const edit = { quantity: '1-0:1.8.0', start: '2026-01-15T02:00:00Z', value: 5, reason: ' \t ' };
    const window = 'quantity=1-0:1.8.0&from=2026-01-15T02:00:00Z&to=2026-01-15T02:15:00Z';
    const interval = async (): Promise<{ quality: string }[]> =>
      (await rig.call('GET', `/api/v1/meters/m-a1/intervals?${window}`, { session: admin() })).json.points as { quality: string }[];
    const stored = await interval();
    const answer = await rig.call('POST', '/api/v1/meters/m-a1/intervals/edit', { session: admin(), body: edit });
    assert.equal(answer.status, 400, answer.text);
    assert.deepEqual(answer.json.error, {
      code: 'PW_ERR_EDIT_REASON_REQUIRED', field: '/body/reason',
      message: 'Cannot edit the interval ending 2026-01-15T02:15:00.000Z of meter m-a1: the reason is empty; '
        + 'every edit needs a reason for the audit trail',
    });
    assert.deepEqual(await interval(), stored, 'nothing was written');
    assert.notEqual(stored[0]?.quality, 'edited');
  });

  it('answers 413 for a body over the limit', async () => {
    const answer = await rig.call('POST', '/api/v1/meters/m-a1/revoke',
      { session: rig.sessions.get('operator')!, body: { reason: 'x'.repeat(70_000) } });
    assert.equal(answer.status, 413);
    assert.equal(answer.json.error.code, 'PW_ERR_API_BODY_TOO_LARGE');
    assert.equal(rig.registry.get('m-a1')?.state, 'active');
  });

  it('answers 409 for a meter revoked already, and an alarm acknowledged already', async () => {
    const operator = rig.sessions.get('operator')!;
    assert.equal((await rig.call('POST', '/api/v1/meters/m-x-viewer/revoke', { session: operator, body: { reason: 'gone' } })).status, 200);
    assert.equal((await rig.call('POST', '/api/v1/meters/m-x-viewer/revoke', { session: operator, body: { reason: 'gone' } })).status, 409);
    assert.equal((await rig.call('POST', '/api/v1/alarms/al-2/acknowledge', { session: operator, body: { note: 'seen' } })).status, 200);
    assert.equal((await rig.call('POST', '/api/v1/alarms/al-2/acknowledge', { session: operator, body: { note: 'seen' } })).status, 409);
  });

  it('holds back the address that sent six wrong passwords for a name with 429 and Retry-After, even with the right password', async () => {
    for (let i = 0; i < 6; i++)
      assert.equal((await rig.call('POST', '/api/v1/session', { body: { username: 'operator', password: 'guess' } })).status, 401);
    const limited = await rig.call('POST', '/api/v1/session', { body: { username: 'operator', password: 'correct horse battery staple' } });
    assert.equal(limited.status, 429);
    assert.equal(limited.json.error.code, 'PW_ERR_API_RATE_LIMITED');
    assert.equal(Number(limited.headers['retry-after']) > 0, true);
    rig.clock.advance(Number(limited.headers['retry-after']) * 1000);
    assert.equal((await rig.call('POST', '/api/v1/session',
      { body: { username: 'operator', password: 'correct horse battery staple' } })).status, 200);
  });

  it('publishes an OpenAPI 3.1 document that lists every route', async () => {
    const answer = await rig.call('GET', '/openapi.json');
    assert.equal(answer.status, 200);
    const document = answer.json;
    assert.match(document.openapi, /^3\.1\.\d+$/);
    assert.deepEqual(openApi31Problems(document), []);
    for (const rule of routeRules) {
      const path = rule.url.replace(/:(\w+)/g, '{$1}');
      assert.notEqual(document.paths[path]?.[rule.method.toLowerCase()], undefined, `${rule.method} ${path} is not in the document`);
    }
    assert.equal((await rig.call('GET', '/docs')).status, 200);
  });

  it('keeps the audit log append-only: the database refuses UPDATE and DELETE', () => {
    const path = (rig.accounts as unknown as { path?: string }).path;
    assert.equal(typeof path, 'string');
    const db = new DatabaseSync(path!);
    try {
      assert.throws(() => { db.exec("UPDATE audit SET actor = 'someone else'"); }, /append-only/);
      assert.throws(() => { db.exec('DELETE FROM audit'); }, /append-only/);
      const count = db.prepare('SELECT count(*) AS n FROM audit').get();
      assert.equal(Number(count?.['n']) > 0, true);
    } finally {
      db.close();
    }
    const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(rig.accounts)).filter((m) => /audit/i.test(m));
    assert.deepEqual(methods.sort(), ['appendAudit', 'audit']);
  });
});

describe('API rate limits on their own server', () => {
  it('limits sign-in per address, and all requests per address, with 429 and Retry-After', async () => {
    const rig = await startApiRig({ loginLimits: { ...defaultLoginLimits, perIp: 8, freeFailures: 100, windowMs: 60_000 },
      rateLimit: { limit: 30, windowMs: 60_000 } });
    try {
      // The rig signed five users in already: three attempts left for this address.
      const answers = [];
      for (let i = 0; i < 4; i++)
        answers.push((await rig.call('POST', '/api/v1/session', { body: { username: `user${i}`, password: 'guess' } })).status);
      assert.deepEqual(answers, [401, 401, 401, 429]);
      let last = await rig.call('GET', '/api/v1/meters', { session: rig.sessions.get('viewer')! });
      while (last.status === 200) last = await rig.call('GET', '/api/v1/meters', { session: rig.sessions.get('viewer')! });
      assert.equal(last.status, 429);
      assert.equal(Number(last.headers['retry-after']) > 0, true);
    } finally {
      await rig.close();
    }
  });
});

describe('API sign-in throttle on its own server', () => {
  it('slows a flood of wrong passwords from address A with a doubling wait, and lets the right password from address B in at once',
    async () => {
    const limits = { perIp: 1000, windowMs: 300_000, freeFailures: 5, backoffMs: 1000, maxBackoffMs: 900_000, forgetMs: 300_000 };
    const rig = await startApiRig({ loginLimits: limits });
    try {
      const a = '127.0.0.1';
      const b = '127.0.0.2';
      const attempt = (from: string, pass: string) =>
        rig.call('POST', '/api/v1/session', { body: { username: 'admin', password: pass }, localAddress: from });
      // The free failures, then each failure beyond them doubles A's wait: 1 s, 2 s, 4 s, 8 s.
      const statuses: number[] = [];
      for (let i = 0; i < limits.freeFailures; i++) statuses.push((await attempt(a, `wrong ${i}`)).status);
      assert.deepEqual(statuses, [401, 401, 401, 401, 401]);
      const waits: number[] = [];
      for (let round = 0; round < 4; round++) {
        assert.equal((await attempt(a, `wrong again ${round}`)).status, 401);
        const held = await attempt(a, 'still guessing');
        assert.equal(held.status, 429, `round ${round}: A waits`);
        assert.equal(held.json.error.code, 'PW_ERR_API_RATE_LIMITED');
        const wait = Number(held.headers['retry-after']);
        waits.push(wait);
        // The right password from A is held back too: the wait is A's, whatever it sends.
        assert.equal((await attempt(a, password)).status, 429);
        // The right password from B signs in at once, every round.
        assert.equal((await attempt(b, password)).status, 200, `round ${round}: B signs in`);
        rig.clock.advance(wait * 1000);
      }
      assert.deepEqual(waits, [1, 2, 4, 8]);
      // Once A's wait is over, A's right password signs in and clears A's failures.
      assert.equal((await attempt(a, password)).status, 200);
      assert.equal((await attempt(a, 'one slip')).status, 401);
      assert.equal((await attempt(a, password)).status, 200);
    } finally {
      await rig.close();
    }
  });
});
