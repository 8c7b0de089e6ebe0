// The server's log as `phasewire server` writes it, with the API's request log on: passwords and
// tokens sent in requests (a sign-in, a bearer token, a token in a query, a scrape token) never reach
// it, while every request gets a line with its id, which the answer names in x-request-id.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServerConfig } from '@phasewire/server';
import { createServerLog, standardServices, startPhasewireServer } from '@phasewire/server/node';
import type { PhasewireServer } from '@phasewire/server/node';

const wrongPassword = 'Correct-Horse-Battery-9931';
const bearer = 'pwt_0123abcd_SuperSecretTokenValue42';
const queryToken = 'QuerySecretValue77';
const scrapeToken = 'scrape-token-SECRET-5501aa';

function call(url: string, ca: string, method: string, path: string, headers: Record<string, string>, body?: string):
  Promise<{ status: number; requestId: string; text: string }> {
  return new Promise((done, fail) => {
    const req = request(new URL(path, url), { method, headers, ca, servername: 'localhost' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        done({ status: res.statusCode ?? 0, requestId: String(res.headers['x-request-id'] ?? ''), text: Buffer.concat(chunks).toString() });
      });
    });
    req.on('error', fail);
    req.end(body);
  });
}

describe('the server log keeps no secret a request carried', { timeout: 120_000 }, () => {
  let dir: string;
  let server: PhasewireServer;
  let url: string;
  let ca: string;
  let adminPassword: string;
  const lines: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-log-'));
    const log = createServerLog({ format: 'json', level: 'debug', write: (line) => { lines.push(line); } });
    const services = standardServices({
      mdm: { timer: false }, env: { PW_SCRAPE: scrapeToken },
      api: { scrypt: { N: 2 ** 10, r: 8, p: 1 }, loggerInstance: log.logger.child({ component: 'api' }) },
    });
    server = await startPhasewireServer({
      config: parseServerConfig({
        mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 }, api: { port: 0, metrics: { tokenEnv: 'PW_SCRAPE' } },
      }),
      dataDir: join(dir, 'data'), services, log: log.headEnd,
    });
    url = services.apiUrl ?? '';
    ca = await readFile(server.endpoints.caFile, 'utf8');
    adminPassword = services.initialAdmin?.password ?? '';
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs each request with its id as JSON, and none of the passwords or tokens sent', async () => {
    const json = { 'content-type': 'application/json' };
    const answers = [
      await call(url, ca, 'POST', '/api/v1/session', json, JSON.stringify({ username: 'admin', password: wrongPassword })),
      await call(url, ca, 'POST', '/api/v1/session', json, JSON.stringify({ username: 'admin', password: adminPassword })),
      await call(url, ca, 'GET', '/api/v1/meters', { authorization: `Bearer ${bearer}` }),
      await call(url, ca, 'GET', `/api/v1/meters?token=${queryToken}`, { authorization: `Bearer ${bearer}` }),
      await call(url, ca, 'GET', '/metrics', { authorization: `Bearer ${scrapeToken}` }),
      await call(url, ca, 'GET', '/metrics', { authorization: `Bearer ${bearer}` }),
    ];
    assert.deepEqual(answers.map((a) => a.status), [401, 200, 401, 401, 200, 403]);
    const text = lines.join('');
    for (const secret of [wrongPassword, adminPassword, bearer, 'SuperSecretTokenValue42', queryToken, scrapeToken]) {
      const holding = lines.filter((l) => l.includes(secret)).join('');
      assert.ok(!text.includes(secret), `the log holds a secret a request sent: ${secret}\n${holding}`);
    }
    const entries = lines.map((line) => JSON.parse(line) as { level: number; msg: string; reqId?: string; path?: string; status?: number });
    for (const answer of answers) {
      assert.match(answer.requestId, /^[0-9a-f-]{36}$/);
      const line = entries.find((e) => e.reqId === answer.requestId && e.msg === 'request');
      assert.ok(line !== undefined, `a line for request ${answer.requestId}`);
      assert.equal(line.status, answer.status);
    }
    assert.ok(entries.some((e) => e.path === '/api/v1/meters' && e.status === 401), 'the path is logged without its query');
    assert.ok(entries.some((e) => e.msg === 'API request refused' && e.level === 40), 'refusals are warnings');
    assert.ok(!entries.some((e) => e.msg === 'incoming request'), 'one line a request, not Fastify\'s two');
  });
});
