// Idle TCP connections on the MQTT port must not take the descriptors the other listeners need.
// `phasewire server` runs as a child under an open-file limit of 400 (so the flood that exhausted
// 20,000 descriptors in production needs only a few hundred here); 450 idle connections from five
// loopback addresses arrive on the MQTT port; the API and EST must still answer, and the MQTT
// listener must hold no more than the limit it fitted under the descriptor reserve (300).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get } from 'node:https';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const main = resolve(dirname(fileURLToPath(import.meta.url)), '../src/main.ts');
const openFiles = 400;
const fitted = 300;
const addresses = ['127.0.0.10', '127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14'];
const perAddress = 90;

/** GET over HTTPS with the server's CA; resolves with the status, or the error after 10 s. */
function status(url: string, ca: string): Promise<number | string> {
  return new Promise((done) => {
    const request = get(url, { ca, agent: false, timeout: 10_000 }, (response) => {
      response.resume();
      done(response.statusCode ?? 0);
    });
    request.on('timeout', () => { request.destroy(new Error('no answer within 10 s')); });
    request.on('error', (error) => { done(error.message); });
  });
}

describe('phasewire server under an idle-connection flood on the MQTT port', { timeout: 90_000 }, () => {
  let dir: string;
  let child: ChildProcessByStdio<null, Readable, Readable>;
  let out = '';
  let err = '';
  const sockets: Socket[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-fdflood-'));
    child = spawn('sh', ['-c', `ulimit -n ${openFiles} && exec "$0" "$@"`, process.execPath, main, 'server', '--data-dir', join(dir,
      'data'),
      '--mqtt-port', '0', '--enroll-port', '0', '--key-port', '0', '--api-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    const deadline = Date.now() + 60_000;
    while (!out.includes('Ctrl-C stops.')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the server did not start:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the API and EST answering while 450 idle connections knock on the MQTT port', async () => {
    const mqttPort = Number(/mqtts:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    const api = /API and dashboard\s+(https:\/\/\S+)/.exec(out)?.[1] ?? '';
    const est = /EST enrollment\s+(https:\/\/\S+)/.exec(out)?.[1] ?? '';
    const ca = await readFile(join(dir, 'data', 'pki', 'ca-chain.pem'), 'utf8');
    assert.ok(mqttPort > 0 && api !== '' && est !== '', out);
    assert.match(err, new RegExp(`mqtt\\.maxConnections 10000 lowered to ${fitted}`));

    let closedByServer = 0;
    await Promise.all(addresses.flatMap((localAddress) => Array.from({ length: perAddress }, () => new Promise<void>((connected) => {
      const socket = connect({ host: '127.0.0.1', port: mqttPort, localAddress }, () => { connected(); });
      sockets.push(socket);
      socket.on('error', () => { connected(); });
      socket.once('close', () => { closedByServer += 1; });
    }))));
    // The server closes what is over its limit as it accepts: wait for the count to settle.
    let settled = -1;
    for (let i = 0; i < 100 && settled !== closedByServer; i++) {
      settled = closedByServer;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(await status(`${api}/openapi.json`, ca), 200, 'the API answers');
    assert.equal(await status(`${est}/.well-known/est/cacerts`, ca), 200, 'EST answers');
    assert.equal(closedByServer, addresses.length * perAddress - fitted, `${closedByServer} closed at accept`);
  });
});
