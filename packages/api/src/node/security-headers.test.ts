// Every answer of the API server carries the security headers: the dashboard's files, the docs page,
// the OpenAPI document, API answers and refusals alike, each with the Content-Security-Policy of its
// kind. (That the built dashboard and /docs run under these policies with no violation is checked in
// Chromium: packages/cli/test/browser-dashboard.test.ts.)
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { hstsMaxAgeSeconds, swaggerUiStyleHash } from '../security-headers.ts';
import type { Answer, ApiRig } from '../testing/api-test-kit.ts';
import { startApiRig } from '../testing/api-test-kit.ts';

/** The CSP's directives by name. */
function directives(answer: Answer): Map<string, string[]> {
  const header = answer.headers['content-security-policy'];
  assert.equal(typeof header, 'string', 'a Content-Security-Policy header');
  return new Map(String(header).split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0] !== '')
    .map(([name = '', ...values]) => [name, values]));
}

function assertCommonHeaders(answer: Answer, what: string): void {
  assert.equal(answer.headers['strict-transport-security'], `max-age=${hstsMaxAgeSeconds}`, what);
  assert.equal(answer.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(answer.headers['referrer-policy'], 'no-referrer', what);
  assert.equal(answer.headers['x-frame-options'], 'DENY', what);
  assert.equal(answer.headers['cross-origin-opener-policy'], 'same-origin', what);
  assert.equal(answer.headers['cross-origin-resource-policy'], 'same-origin', what);
  const csp = directives(answer);
  assert.deepEqual(csp.get('frame-ancestors'), ["'none'"], `${what}: no page may frame it`);
  assert.deepEqual(csp.get('default-src'), ["'none'"], `${what}: nothing loads unless a directive allows it`);
  for (const [name, values] of csp) {
    assert.ok(!values.includes("'unsafe-inline'") && !values.includes("'unsafe-eval'") && !values.includes('*'),
      `${what}: ${name} ${values.join(' ')}`);
  }
}

describe('security headers', () => {
  let rig: ApiRig;
  let staticDir: string;
  before(async () => {
    staticDir = await mkdtemp(join(tmpdir(), 'phasewire-static-'));
    await mkdir(join(staticDir, 'assets'));
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>t</title><script type="module" src="./assets/app.js"></script>');
    await writeFile(join(staticDir, 'assets', 'app.js'), 'export {};');
    rig = await startApiRig({ staticDir });
  });
  after(async () => {
    await rig.close();
    await rm(staticDir, { recursive: true, force: true });
  });

  it('lets the dashboard load only its own scripts and styles and talk only to its own origin', async () => {
    for (const path of ['/', '/assets/app.js', '/some/page/route']) {
      // A browser's navigation asks for a page; an unknown path gets the dashboard's index.html.
      const answer = await rig.call('GET', path, { headers: { accept: 'text/html,application/xhtml+xml' } });
      assert.equal(answer.status, 200, path);
      assertCommonHeaders(answer, path);
      const csp = directives(answer);
      assert.deepEqual(csp.get('script-src'), ["'self'"], path);
      assert.deepEqual(csp.get('style-src'), ["'self'"], path);
      assert.deepEqual(csp.get('connect-src'), ["'self'"], path);
      assert.deepEqual(csp.get('base-uri'), ["'none'"], path);
    }
  });

  it('lets the docs page add only Swagger UI\'s one inline style, by its hash', async () => {
    const page = await rig.call('GET', '/docs');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assertCommonHeaders(page, '/docs');
    const csp = directives(page);
    assert.deepEqual(csp.get('script-src'), ["'self'"]);
    assert.deepEqual(csp.get('style-src'), ["'self'", swaggerUiStyleHash]);
  });

  it('sends API answers, refusals, unknown routes and the OpenAPI document with a policy that loads nothing', async () => {
    const answers: [string, Answer][] = [
      ['GET /api/v1/fleet/summary', await rig.call('GET', '/api/v1/fleet/summary', { session: rig.sessions.get('viewer')! })],
      ['401 without a session', await rig.call('GET', '/api/v1/meters')],
      ['403 without the role', await rig.call('GET', '/api/v1/audit', { session: rig.sessions.get('viewer')! })],
      ['404 unknown API route', await rig.call('GET', '/api/v1/nothing-here', { session: rig.sessions.get('viewer')! })],
      ['400 refused body', await rig.call('POST', '/api/v1/session', { rawBody: '{', headers: { 'content-type': 'application/json' } })],
      ['GET /openapi.json', await rig.call('GET', '/openapi.json')],
    ];
    for (const [what, answer] of answers) {
      assertCommonHeaders(answer, what);
      const csp = directives(answer);
      assert.equal(csp.has('script-src') || csp.has('connect-src') || csp.has('style-src'), false, `${what}: loads nothing`);
    }
    assert.equal(answers[0]?.[1].headers['cache-control'], 'no-store');
  });

  it("gives the framework's own refusals the headers and the PW_ERR_ format: bad URL, bad JSON, unknown route, oversized body",
    async () => {
    const big = JSON.stringify({ username: 'x'.repeat(70 * 1024), password: 'y' });
    const answers: [string, number, string, Answer][] = [
      ['GET /api/% (a malformed URL)', 400, 'PW_ERR_API_INVALID_REQUEST', await rig.call('GET', '/api/%')],
      ['GET /%zz (a malformed URL off /api)', 400, 'PW_ERR_API_INVALID_REQUEST', await rig.call('GET', '/%zz')],
      ['POST with a JSON body that does not parse', 400, 'PW_ERR_API_INVALID_REQUEST',
        await rig.call('POST', '/api/v1/session', { rawBody: '{"username":', headers: { 'content-type': 'application/json' } })],
      ['POST with a content type the API does not take', 415, 'PW_ERR_API_INVALID_REQUEST',
        await rig.call('POST', '/api/v1/session', { rawBody: '<a/>', headers: { 'content-type': 'application/xml' } })],
      ['GET an unknown API route', 404, 'PW_ERR_API_NOT_FOUND', await rig.call('GET', '/api/v2/nothing')],
      ['POST a body over the limit', 413, 'PW_ERR_API_BODY_TOO_LARGE',
        await rig.call('POST', '/api/v1/session', { rawBody: big, headers: { 'content-type': 'application/json' } })],
    ];
    for (const [what, status, code, answer] of answers) {
      assert.equal(answer.status, status, `${what}: ${answer.text}`);
      assertCommonHeaders(answer, what);
      const { error } = answer.json as { error?: { code?: string; message?: string } };
      assert.equal(error?.code, code, `${what}: ${answer.text}`);
      assert.match(String(error.message), /^Cannot /, `${what}: says what could not be done`);
      assert.match(String(answer.headers['content-type']), /^application\/json/, what);
    }
  });

  it('answers bytes that are not HTTP with the headers and the PW_ERR_ format, then closes', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: rig.server.port, servername: 'localhost', ca: rig.ca.anchors }, () => {
        socket.write('GET /api/v1/meters HTTP/1.1\r\nHost: localhost\r\nBad Header Line\r\n\r\n');
      });
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => { text += chunk; });
      socket.on('close', () => { resolve(text); });
      socket.on('error', reject);
    });
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    const [statusLine = '', ...lines] = head.split('\r\n');
    assert.match(statusLine, /^HTTP\/1\.1 400 /);
    const headers =
      Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    assertCommonHeaders({ status: 400, headers, text: body, json: undefined }, 'a malformed request line');
    assert.equal((JSON.parse(body) as { error: { code: string } }).error.code, 'PW_ERR_API_INVALID_REQUEST');
  });
});
