// The firmware file server: TLS 1.3 only (an outside client offering TLS 1.2 is refused), the
// repository's two folders and nothing else, GET/HEAD only, and byte ranges for resumed downloads.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { tlsClientOptions } from '@phasewire/secure/node';
import { createTestCa } from '@phasewire/secure/testing';
import type { TestCa } from '@phasewire/secure/testing';
import { createFirmwareFileServer, parseRange } from './firmware-file-server.ts';
import type { FirmwareFileServer } from './firmware-file-server.ts';

const run = promisify(execFile);
let ca: TestCa;
let server: FirmwareFileServer;
let directory: string;
let port: number;
const image = Buffer.from('0123456789abcdef'.repeat(64));

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'phasewire-firmware-server-'));
  await mkdir(join(directory, 'repository', 'metadata'), { recursive: true });
  await mkdir(join(directory, 'repository', 'targets', 'PW3', 'r2'), { recursive: true });
  await writeFile(join(directory, 'repository', 'metadata', 'timestamp.json'), '{"signed":{}}');
  await writeFile(join(directory, 'repository', 'targets', 'PW3', 'r2', 'abc.PW3-r2-1.0.0.bin'), image);
  await writeFile(join(directory, 'secret.key'), 'not served');
  ca = await createTestCa();
  await writeFile(join(directory, 'ca.pem'), ca.anchors);
  server = createFirmwareFileServer({ directory: join(directory, 'repository'), identity: await ca.server(), trust: ca.trustWithoutCrl });
  port = await server.listen();
});
after(async () => {
  await server.close();
  await ca.close();
  await rm(directory, { recursive: true, force: true });
});

interface Answer { readonly status: number; readonly headers: Record<string, string | string[] | undefined>; readonly body: Buffer }

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ ...tlsClientOptions(undefined, ca.trustWithoutCrl, { servername: 'localhost' }), agent: false,
      host: '127.0.0.1', port, path, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => { resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }); });
    });
    req.on('error', reject);
    req.end();
  });
}

test('serves metadata and images, the timestamp uncached and the rest immutable', async () => {
  const timestamp = await get('/metadata/timestamp.json');
  assert.equal(timestamp.status, 200);
  assert.equal(timestamp.headers['cache-control'], 'no-store');
  const target = await get('/targets/PW3/r2/abc.PW3-r2-1.0.0.bin');
  assert.equal(target.status, 200);
  assert.deepEqual(target.body, image);
  assert.match(String(target.headers['cache-control']), /immutable/);
});

test('a byte range resumes a download where it stopped (RFC 9110 §14)', async () => {
  const tail = await get('/targets/PW3/r2/abc.PW3-r2-1.0.0.bin', { range: 'bytes=1000-' });
  assert.equal(tail.status, 206);
  assert.equal(tail.headers['content-range'], `bytes 1000-${image.length - 1}/${image.length}`);
  assert.deepEqual(tail.body, image.subarray(1000));
  assert.equal((await get('/targets/PW3/r2/abc.PW3-r2-1.0.0.bin', { range: `bytes=${image.length}-` })).status, 416);
  assert.deepEqual(parseRange('bytes=5-9', 100), { start: 5, end: 9 });
  assert.deepEqual(parseRange('bytes=5-500', 100), { start: 5, end: 99 });
  assert.equal(parseRange('items=5-9', 100), undefined);
});

test('nothing outside metadata/ and targets/ is served, and only GET and HEAD are answered', async () => {
  for (const path of ['/secret.key', '/../secret.key', '/metadata/../../secret.key', '/metadata/%2e%2e/%2e%2e/secret.key', '/targets/',
    '/metadata/missing.json']) {
    assert.equal((await get(path)).status, 404, path);
  }
  assert.equal((await get('/metadata/timestamp.json', {}, 'POST')).status, 405);
  assert.equal((await get('/metadata/timestamp.json', {}, 'HEAD')).status, 200);
});

test('openssl s_client offering TLS 1.2 is refused; TLS 1.3 with the policy suite is accepted without a client certificate', async () => {
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', join(directory, 'ca.pem'), '-servername', 'localhost'];
  const old = await run('openssl', [...args, '-tls1_2'], { timeout: 20_000 })
    .catch((error: unknown) => error as { stdout: string; stderr: string });
  assert.match(`${old.stdout}${old.stderr}`, /alert protocol version/);
  const modern = await run('sh', ['-c', 'printf "" | openssl "$@"', 'openssl', ...args, '-tls1_3'], { timeout: 20_000 });
  assert.match(modern.stdout, /TLSv1\.3, Cipher is TLS_AES_256_GCM_SHA384/);
  assert.match(modern.stdout, /Verify return code: 0 \(ok\)/);
});
