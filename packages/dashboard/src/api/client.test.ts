import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, ApiError, queryString, type Fetch } from './client.ts';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function fakeServer(answer: (call: Call) => Response): { fetch: Fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: Fetch = (url, init) => {
    const call: Call = {
      url, method: init?.method ?? 'GET', headers: { ...(init?.headers as Record<string, string>) },
      body: typeof init?.body === 'string' ? init.body : undefined,
    };
    calls.push(call);
    return Promise.resolve(answer(call));
  };
  return { fetch, calls };
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const session = { user: { id: 'u1', username: 'ada', role: 'operator', tenant: 't1' }, csrfToken: 'csrf-123' };

describe('queryString', () => {
  it('keeps defined, non-empty parameters and encodes them', () => {
    assert.equal(queryString({ sort: 'imbalance', q: '', link: undefined, limit: 100, cursor: 'a b&c' }),
      '?sort=imbalance&limit=100&cursor=a+b%26c');
    assert.equal(queryString({}), '');
  });
});

describe('ApiClient', () => {
  it('sends the CSRF token of the session on changes and not on reads', async () => {
    const s = fakeServer((call) => (call.url.endsWith('/session') ? json(200, session) : json(200, { items: [], nextCursor: null })));
    const api = new ApiClient(s.fetch);
    await api.login('ada', 'secret');
    await api.alarms({ state: 'active' });
    await api.acknowledge('a/1', 'checked the motor');
    assert.equal(s.calls[0]!.headers['x-csrf-token'], undefined, 'login has no token yet');
    assert.deepEqual(JSON.parse(s.calls[0]!.body!), { username: 'ada', password: 'secret' });
    assert.equal(s.calls[1]!.url, '/api/v1/alarms?state=active');
    assert.equal(s.calls[1]!.headers['x-csrf-token'], undefined);
    assert.equal(s.calls[2]!.url, '/api/v1/alarms/a%2F1/acknowledge');
    assert.equal(s.calls[2]!.headers['x-csrf-token'], 'csrf-123');
  });
  it('turns an error body into an ApiError with code, status and field', async () => {
    const s = fakeServer(() =>
      json(400, { error: { code: 'PW_ERR_API_VALIDATION', message: 'body/note must not be empty', field: '/body/note' } }));
    const api = new ApiClient(s.fetch);
    await assert.rejects(api.acknowledge('a1', ''), (e: unknown) =>
      e instanceof ApiError && e.status === 400 && e.code === 'PW_ERR_API_VALIDATION' && e.field === '/body/note');
  });
  it('reports a failure without an error body by its status', async () => {
    const api = new ApiClient(fakeServer(() => new Response('<html>bad gateway</html>', { status: 502 })).fetch);
    await assert.rejects(api.fleetSummary(), /GET \/fleet\/summary failed with HTTP 502/);
  });
  it('restores a session, or answers undefined when not signed in', async () => {
    assert.equal(await new ApiClient(fakeServer(() =>
      json(401, { error: { code: 'PW_ERR_API_UNAUTHENTICATED', message: 'not signed in' } })).fetch).restore(), undefined);
    const api = new ApiClient(fakeServer(() => json(200, session)).fetch);
    assert.equal((await api.restore())?.user.username, 'ada');
    assert.equal(api.signedIn, true);
  });
  it('forgets the CSRF token on logout', async () => {
    const s = fakeServer((call) => (call.method === 'DELETE' ? new Response(null, { status: 204 }) : json(200, session)));
    const api = new ApiClient(s.fetch);
    await api.login('ada', 'pw');
    await api.logout();
    assert.equal(s.calls[1]!.headers['x-csrf-token'], 'csrf-123');
    assert.equal(api.signedIn, false);
  });
});
