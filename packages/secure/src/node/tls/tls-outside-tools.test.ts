// The policy seen from outside, by tools that share no code with phasewire: OpenSSL's s_client and
// testssl.sh against a policy listener on loopback.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { trackChild } from '@phasewire/test-kit';
import type { TestCa, TestIdentity } from '../../testing/test-ca.ts';
import { createTestCa } from '../../testing/test-ca.ts';
import type { RecordingServer } from '../../testing/tls-test-kit.ts';
import { startRecordingServer } from '../../testing/tls-test-kit.ts';

interface Run {
  readonly code: number | null;
  readonly output: string;
}

/**
 * Runs a command; writes `input` to its standard input and closes it once `until` appears in the
 * output (or at once without `until`), so s_client reads the server's reply before it exits.
 */
function run(command: string, args: readonly string[], input = '', until?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    trackChild(child);
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      if (until !== undefined && output.includes(until)) child.stdin.end();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => { resolve({ code, output }); });
    child.stdin.on('error', () => undefined);
    child.stdin.write(input);
    if (until === undefined) child.stdin.end();
  });
}

let testCa: TestCa;
let server: RecordingServer;
let directory: string;
let device: TestIdentity;

async function writeIdentity(name: string, identity: TestIdentity): Promise<{ cert: string; key: string }> {
  const cert = join(directory, `${name}.pem`);
  const key = join(directory, `${name}.key`);
  await writeFile(cert, identity.certificateChain);
  await writeFile(key, identity.privateKey, { mode: 0o600 });
  return { cert, key };
}

describe('the TLS policy against outside tools', () => {
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'phasewire-tls-tools-'));
    testCa = await createTestCa();
    device = await testCa.device('m-openssl');
    server = await startRecordingServer({
      identity: await testCa.server(), trust: await testCa.trust(), revocations: () => testCa.revocations(),
    });
    await writeFile(join(directory, 'anchors.pem'), testCa.anchors);
  });
  after(async () => {
    await server.close();
    await testCa.close();
    await rm(directory, { recursive: true, force: true });
  });
  beforeEach(() => { server.reset(); });

  const sClient = (extra: readonly string[], files: { cert: string; key: string }): readonly string[] => [
    's_client', '-connect', `127.0.0.1:${server.port}`, '-CAfile', join(directory, 'anchors.pem'),
    '-cert', files.cert, '-key', files.key, '-verify_return_error', '-servername', 'localhost', ...extra,
  ];

  it('openssl s_client -tls1_2 is refused with protocol_version', async () => {
    const files = await writeIdentity('device', device);
    const result = await run('openssl', sClient(['-tls1_2'], files), 'reading 1\n');
    assert.notEqual(result.code, 0);
    assert.match(result.output, /alert protocol version/);
    assert.equal((await server.nextRefusal()).reason, 'protocol-version');
    assert.equal(server.received(), 0);
  });

  it('openssl s_client -tls1_3 with the suite, P-384 and a device certificate is accepted', async () => {
    const files = await writeIdentity('device', device);
    const args = sClient(['-tls1_3', '-ciphersuites', 'TLS_AES_256_GCM_SHA384', '-groups', 'P-384'], files);
    const result = await run('openssl', args, 'reading 1\n', 'ok\n');
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /New, TLSv1\.3, Cipher is TLS_AES_256_GCM_SHA384/);
    assert.match(result.output, /Server Temp Key: ECDH, secp384r1, 384 bits/);
    assert.match(result.output, /Verify return code: 0 \(ok\)/);
    assert.match(result.output, /^ok$/m);
    assert.equal(server.accepted[0]?.device?.id, 'm-openssl');
    assert.equal(server.received(), 'reading 1\n'.length);
  });

  it('openssl s_client offering P-256 only negotiates P-256 (constrained devices)', async () => {
    const files = await writeIdentity('device', device);
    const result = await run('openssl', sClient(['-tls1_3', '-groups', 'P-256'], files), 'reading 1\n', 'ok\n');
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /Server Temp Key: ECDH, prime256v1, 256 bits/);
  });

  it('openssl s_client offering only TLS_CHACHA20_POLY1305_SHA256 is refused', async () => {
    const files = await writeIdentity('device', device);
    const result = await run('openssl', sClient(['-tls1_3', '-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256'], files), 'reading 1\n');
    assert.notEqual(result.code, 0);
    assert.match(result.output, /alert handshake failure/);
    assert.equal((await server.nextRefusal()).reason, 'no-shared-cipher');
  });

  it('testssl.sh finds TLS 1.3 only, with TLS_AES_256_GCM_SHA384 as the only suite', { timeout: 120_000 }, async () => {
    const json = join(directory, 'testssl.json');
    // -p protocols, -e each cipher; --fast uses OpenSSL for the cipher scan, --nodns none and
    // --warnings off keep it offline and non-interactive: about 20 s here instead of a minute.
    const result = await run('testssl', [
      '--quiet', '--color', '0', '--warnings', 'off', '--nodns', 'none', '--fast', '-p', '-e',
      '--jsonfile', json, `127.0.0.1:${server.port}`,
    ]);
    assert.equal(result.code, 0, result.output);
    const findings = JSON.parse(await readFile(json, 'utf8')) as { id: string; finding: string }[];
    const finding = (id: string): string | undefined => findings.find((item) => item.id === id)?.finding;
    for (const old of ['SSLv2', 'SSLv3', 'TLS1', 'TLS1_1', 'TLS1_2']) assert.equal(finding(old), 'not offered', old);
    assert.match(finding('TLS1_3') ?? '', /^offered/);
    const ciphers = findings.filter((item) => item.id.startsWith('cipher_') && item.id !== 'cipher_order');
    assert.deepEqual(ciphers.map((item) => item.id), ['cipher_x1302']);
    assert.match(ciphers[0]?.finding ?? '', /TLS_AES_256_GCM_SHA384/);
    assert.equal(server.accepted.length, 0, 'testssl.sh has no client certificate: nothing was accepted');
    assert.equal(server.received(), 0);
  });
});
