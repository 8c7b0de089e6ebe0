// The firmware file server against hostile clients: escapes out of the repository, malformed
// escapes, absurd ranges, a client that asks for an image and stops reading, many clients at once.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, test } from 'node:test';
import { tlsClientOptions } from '@phasewire/secure/node';
import { createTestCa } from '@phasewire/secure/testing';
import type { TestCa } from '@phasewire/secure/testing';
import { createFirmwareFileServer } from './firmware-file-server.ts';
import type { FirmwareFileServer } from './firmware-file-server.ts';

let ca: TestCa;
let server: FirmwareFileServer;
let directory: string;
let port: number;
// Larger than the socket buffers on both sides, so a client that stops reading stalls the server's writes.
const image = Buffer.alloc(32 * 1024 * 1024, 7);

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'phasewire-firmware-attacks-'));
  await mkdir(join(directory, 'repository', 'metadata'), { recursive: true });
  await mkdir(join(directory, 'repository', 'targets', 'PW3', 'r2'), { recursive: true });
  await writeFile(join(directory, 'repository', 'metadata', 'timestamp.json'), '{"signed":{}}');
  await writeFile(join(directory, 'repository', 'targets', 'PW3', 'r2', 'big.bin'), image);
  await writeFile(join(directory, 'secret.key'), 'not served');
  ca = await createTestCa();
  server = createFirmwareFileServer({
    directory: join(directory, 'repository'), identity: await ca.server(), trust: ca.trustWithoutCrl, idleTimeoutMs: 300,
  });
  port = await server.listen();
});
after(async () => {
  await server.close();
  await ca.close();
  await rm(directory, { recursive: true, force: true });
});

/** Sends `path` as written (no normalisation by a URL parser) and returns the status line's code. */
async function raw(path: string, headers = ''): Promise<string> {
  const socket = connect({ ...tlsClientOptions(undefined, ca.trustWithoutCrl, { servername: 'localhost' }), host: '127.0.0.1', port });
  await once(socket, 'secureConnect');
  socket.write(`GET ${path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n${headers}\r\n`);
  let text = '';
  socket.on('data', (chunk: Buffer) => { if (text.length < 4096) text += chunk.toString('latin1'); });
  await once(socket, 'close');
  return /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? `no answer (${JSON.stringify(text.slice(0, 40))})`;
}

test('escapes out of the repository are not found, a malformed escape is a bad request', async () => {
  for (const path of ['/../secret.key', '/targets/../../secret.key', '/targets/%2e%2e/%2e%2e/secret.key',
    '/targets/..%2f..%2fsecret.key', '/metadata/..%2f..%2fsecret.key.json', '/targets/PW3/r2/..', '/targets/PW3%00/r2/big.bin',
    '//etc/passwd', '/targets/PW3\\..\\..\\secret.key']) {
    assert.equal(await raw(path), '404', path);
  }
  assert.equal(await raw('/targets/%E0%A4%A'), '400');
});

test('absurd ranges are refused or clamped to the file', async () => {
  assert.equal(await raw('/targets/PW3/r2/big.bin', 'range: bytes=99999999999999999999999-\r\n'), '416');
  assert.equal(await raw('/metadata/timestamp.json', 'range: bytes=0-99999999999999999999999\r\n'), '206');
  assert.equal(await raw('/metadata/timestamp.json', 'range: bytes=-5\r\n'), '200', 'a suffix range is not supported: the whole file');
});

test('a client that asks for an image and stops reading is cut off, and others are served meanwhile', async () => {
  const socket = connect({ ...tlsClientOptions(undefined, ca.trustWithoutCrl, { servername: 'localhost' }), host: '127.0.0.1', port });
  await once(socket, 'secureConnect');
  socket.write('GET /targets/PW3/r2/big.bin HTTP/1.1\r\nhost: localhost\r\n\r\n');
  await once(socket, 'data');
  socket.pause();
  const answers = await Promise.all(Array.from({ length: 40 }, () => raw('/metadata/timestamp.json')));
  assert.deepEqual(new Set(answers), new Set(['200']));
  // Resumed only after the server gave up: what is left is what the buffers held, then the close.
  const closed = once(socket, 'close');
  await new Promise<void>((done) => { setTimeout(done, 1000); });
  socket.resume();
  await closed;
  assert.ok(socket.bytesRead < image.length, `the whole image went to a client that did not read (${socket.bytesRead} bytes)`);
});

test('a TLS client that connects and sends nothing is closed', async () => {
  const socket = connect({ ...tlsClientOptions(undefined, ca.trustWithoutCrl, { servername: 'localhost' }), host: '127.0.0.1', port });
  await once(socket, 'secureConnect');
  await once(socket, 'close');
});
