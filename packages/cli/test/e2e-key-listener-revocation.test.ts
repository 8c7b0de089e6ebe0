// The envelope-key listener of `phasewire server` checks revocation at the TLS handshake, as the MQTT
// listener does (docs/security-pki.md): a meter whose certificate the CA has revoked is closed
// before any HTTP byte, and the refusal is logged with its reason.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { parseMeterId } from '@phasewire/core';
import { ensureEnrolled } from '@phasewire/agent/node';
import { deviceIdentity } from '@phasewire/secure';
import { envelopeKeyPath, tlsClientOptions } from '@phasewire/secure/node';
import type { TlsIdentity, TlsTrust } from '@phasewire/secure/node';
import { parseServerConfig } from '@phasewire/server';
import type { HeadEndEvent } from '@phasewire/headend';
import { startPhasewireServer } from '@phasewire/server/node';
import type { PhasewireServer } from '@phasewire/server/node';

/** One raw HTTPS/1.1 GET of the envelope key; resolves with whatever the server sent before closing. */
function getKey(url: string, identity: TlsIdentity, trust: TlsTrust): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let received = '';
    const socket = connect({ host: hostname, port: Number(port), ...tlsClientOptions(identity, trust, { servername: 'localhost' }) }, () =>
      {
      socket.write(`GET ${envelopeKeyPath} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n`);
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => { received += chunk; });
    socket.on('error', () => undefined);
    socket.once('close', () => { resolve(received); });
  });
}

describe('the envelope-key listener of phasewire server', { timeout: 60_000 }, () => {
  let dir: string;
  let server: PhasewireServer;
  const events: HeadEndEvent[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-keyrev-'));
    const config = parseServerConfig({ mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 } });
    server = await startPhasewireServer({ config, dataDir: join(dir, 'data'), log: (event) => { events.push(event); } });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('closes a revoked meter at the handshake: no HTTP answer, the refusal logged as revoked', async () => {
    const id = parseMeterId('meter-keyrev-1');
    const token = await server.issueToken(deviceIdentity('meter', id));
    const { identity } = await ensureEnrolled({
      dataDir: join(dir, 'meter'), meter: id, token: token.token, estServer: server.endpoints.enrollment, keyServer: server.endpoints
        .keyProvisioning,
      trustedCa: await readFile(server.endpoints.caFile, 'utf8'),
    });
    assert.match(await getKey(server.endpoints.keyProvisioning, identity.tls, identity.trust), /^HTTP\/1\.1 200 /);
    const serial = new X509Certificate(identity.tls.certificateChain).serialNumber;
    // The CA's revocation alone, as a revocation made elsewhere reaches it: not the registry's.
    await server.ca.revoke(serial, 'keyCompromise');
    assert.equal(await getKey(server.endpoints.keyProvisioning, identity.tls, identity.trust), '');
    assert.ok(events.some((event) => event.reason === 'revoked' && event.msg.startsWith('envelope-key listener: TLS handshake refused')));
  });
});
