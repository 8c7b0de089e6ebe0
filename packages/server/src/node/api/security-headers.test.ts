// Every answer of the API server carries the security headers: the dashboard's files, the docs page,
// the OpenAPI document, API answers and refusals alike, each with the Content-Security-Policy of its
// kind. (That the built dashboard and /docs run under these policies with no violation is checked in
// Chromium: packages/cli/test/browser-dashboard.test.ts.)
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hstsMaxAgeSeconds, swaggerUiStyleHash } from '../../api/security-headers.ts';
import type { Answer, ApiRig } from './api-test-kit.ts';
import { startApiRig } from './api-test-kit.ts';

/** The CSP's directives by name. */
function directives(answer: Answer): Map<string, string[]> {
  const header = answer.headers['content-security-policy'];
  assert.equal(typeof header, 'string', 'a Content-Security-Policy header');
  return new Map(String(header).split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0] !== '').map(([name = '', ...values]) => [name, values]));
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
    assert.ok(!values.includes("'unsafe-inline'") && !values.includes("'unsafe-eval'") && !values.includes('*'), `${what}: ${name} ${values.join(' ')}`);
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
      const answer = await rig.call('GET', path);
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
});
