// The API serves the certificate the operator supplies (api.certificate / api.key in the server
// configuration) instead of the listeners' certificate of the phasewire CA: a browser that trusts the
// operator's CA, and not phasewire's, reaches the dashboard. A half-given pair is refused at start.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { parseServerConfig } from '@phasewire/server';
import { standardServices, startPhasewireServer } from '@phasewire/server/node';
import type { PhasewireServer, StandardServices } from '@phasewire/server/node';
import { createTestCa } from '@phasewire/secure/testing';
import type { TestCa } from '@phasewire/secure/testing';

const ports = { mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 } };

/** The certificate the API's listener presents to a client that trusts `ca` (rejects if it cannot verify it). */
function presented(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost', minVersion: 'TLSv1.3' }, () => {
      const serial = socket.getPeerX509Certificate()?.serialNumber ?? '';
      socket.end();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

describe('the API over the operator\'s own certificate', { timeout: 90_000 }, () => {
  let dir: string;
  let operatorCa: TestCa;
  let server: PhasewireServer;
  let services: StandardServices;
  let serial: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-e2e-api-cert-'));
    operatorCa = await createTestCa();
    const own = await operatorCa.server({ dns: ['localhost'], ips: ['127.0.0.1'] });
    serial = own.serial;
    await mkdir(join(dir, 'data', 'operator'), { recursive: true });
    await writeFile(join(dir, 'data', 'operator', 'api.pem'), own.certificateChain);
    await writeFile(join(dir, 'data', 'operator', 'api.key'), own.privateKey, { mode: 0o600 });
    services = standardServices({ mdm: { timer: false }, api: { scrypt: { N: 2 ** 10, r: 8, p: 1 } } });
    server = await startPhasewireServer({
      config: parseServerConfig({ ...ports, api: { port: 0, certificate: 'operator/api.pem', key: 'operator/api.key' } }),
      dataDir: join(dir, 'data'), services,
    });
  });

  after(async () => {
    await server.close();
    await operatorCa.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('presents the operator\'s certificate, which a client trusting only the operator\'s CA accepts', async () => {
    const port = Number(new URL(services.apiUrl ?? '').port);
    assert.equal((await presented(port, operatorCa.anchors)).toLowerCase(), serial.toLowerCase());
  });

  it('refuses a certificate without its key, naming the missing field', () => {
    assert.throws(() => parseServerConfig({ ...ports, api: { certificate: 'operator/api.pem' } }),
      /field api\.key is missing, expected a PEM file path/);
  });
});
