// /healthz, /readyz and /metrics: JSON with each check's state (503 while one fails), the metrics for
// the scrape token only, and no dashboard page for a probe's or a scraper's typo: the single-page
// fallback answers browsers' page requests only, so a broken server never looks healthy.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Readiness } from '../ports.ts';
import type { ApiRig } from '../testing/api-test-kit.ts';
import { startApiRig } from '../testing/api-test-kit.ts';
import { isLoopback } from './routes-health.ts';

describe('operations endpoints', () => {
  let rig: ApiRig;
  let staticDir: string;
  let readiness: Readiness = { ready: true, checks: [{ name: 'store', state: 'ok', detail: 'takes writes' }] };
  const token = 'scrape-token-0123456789abcdef';
  before(async () => {
    staticDir = await mkdtemp(join(tmpdir(), 'phasewire-static-'));
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>dashboard</title>');
    rig = await startApiRig({
      staticDir,
      operations: {
        readiness: () => Promise.resolve(readiness),
        metrics: { contentType: 'text/plain; version=0.0.4; charset=utf-8', text: () => Promise.resolve('phasewire_up 1\n'), token },
      },
    });
  });
  after(async () => {
    await rig.close();
    await rm(staticDir, { recursive: true, force: true });
  });

  it('answers /healthz while the process runs, without a session', async () => {
    const answer = await rig.call('GET', '/healthz');
    assert.equal(answer.status, 200);
    assert.equal((answer.json as { status: string }).status, 'alive');
    assert.equal(answer.headers['cache-control'], 'no-store');
  });

  it('answers /readyz with every check, 200 when all are ok and 503 when one fails', async () => {
    const ok = await rig.call('GET', '/readyz');
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { status: 'ready', checks: [{ name: 'store', state: 'ok', detail: 'takes writes' }] });
    readiness = { ready: false, checks: [{ name: 'store', state: 'failing', detail: 'connection refused' },
      { name: 'broker', state: 'ok', detail: 'accepts sessions' }] };
    const failing = await rig.call('GET', '/readyz');
    assert.equal(failing.status, 503);
    assert.deepEqual(failing.json, { status: 'not-ready', checks: readiness.checks });
  });

  it('serves /metrics for the scrape token only', async () => {
    const scraped = await rig.call('GET', '/metrics', { bearer: token });
    assert.equal(scraped.status, 200);
    assert.equal(scraped.text, 'phasewire_up 1\n');
    assert.match(String(scraped.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    for (const bearer of [undefined, 'wrong-token', `${token}x`]) {
      const refused = await rig.call('GET', '/metrics', bearer === undefined ? {} : { bearer });
      assert.equal(refused.status, 403, `token ${String(bearer)}`);
      assert.equal((refused.json as { error: { code: string } }).error.code, 'PW_ERR_API_FORBIDDEN');
    }
  });

  it('answers a typo of a probe or scrape path, and any unknown API path, with a JSON 404, never the dashboard', async () => {
    const paths = ['/metric', '/metrics/', '/metricsz', '/health', '/healthz/', '/readyz2', '/ready', '/livez', '/status',
      '/api/metrics', '/api/healthz', '/api/readyz', '/api/v1/nothing'];
    for (const path of paths) {
      for (const accept of ['*/*', 'text/html,application/xhtml+xml']) {
        const answer = await rig.call('GET', path, { headers: { accept } });
        assert.equal(answer.status, 404, `${path} (${accept}): ${answer.text.slice(0, 80)}`);
        assert.equal((answer.json as { error: { code: string } }).error.code, 'PW_ERR_API_NOT_FOUND', path);
      }
    }
    const machine = await rig.call('GET', '/meters/m-1', { headers: { accept: '*/*' } });
    assert.equal(machine.status, 404, 'a client that does not ask for a page gets no page');
    const page = await rig.call('GET', '/meters/m-1', { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200, 'a browser navigating to a dashboard route gets the page');
    assert.match(page.text, /<title>dashboard<\/title>/);
  });

  it('takes 127.0.0.0/8 and ::1 as loopback, in IPv6-mapped form too, and nothing else', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopback(address), true, address);
    for (const address of ['10.0.0.1', '::ffff:10.0.0.1', '::2', '128.0.0.1', 'fe80::1', '']) {
      assert.equal(isLoopback(address), false, address);
    }
  });
});
