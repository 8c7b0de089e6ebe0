// The MQTT listener's session-ticket keys survive a restart (they are in the data directory), so a
// meter reconnecting to the restarted head-end resumes its TLS 1.3 session with the ticket it got
// before, and the listener still knows which device it is. Without the stored keys it cannot.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMeterId } from '@phasewire/core';
import { ensureEnrolled } from '@phasewire/agent/node';
import type { AgentIdentity } from '@phasewire/agent/node';
import { deviceIdentity } from '@phasewire/secure';
import { tlsClientOptions } from '@phasewire/secure/node';
import { parseServerConfig } from '@phasewire/server';
import { ticketKeyFile } from '@phasewire/headend/node';
import { startPhasewireServer } from '@phasewire/server/node';

const config = parseServerConfig({ mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 } });

/** Opens a TLS connection to the MQTT port; resolves whether the session was resumed, and the new ticket of a full handshake. */
function handshake(port: number, identity: AgentIdentity, session?: Buffer): Promise<{ reused: boolean; ticket: Buffer | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ ...tlsClientOptions(identity.tls, identity.trust, { servername: 'localhost' }), host: '127.0.0.1', port, ...(
      session === undefined ? {} : { session }) });
    socket.once('secureConnect', () => {
      // A resumed session gets no new ticket here; a full handshake's comes right after it (RFC 8446 §4.6.1).
      if (socket.isSessionReused()) { socket.end(); resolve({ reused: true, ticket: undefined }); }
    });
    socket.once('session', (ticket: Buffer) => { socket.end(); resolve({ reused: socket.isSessionReused(), ticket }); });
    socket.once('error', reject);
  });
}

describe('TLS session resumption across a restart of the head-end', { timeout: 30_000 }, () => {
  let dir: string;
  let dataDir: string;
  let identity: AgentIdentity;
  let ticket: Buffer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-resume-'));
    dataDir = join(dir, 'data');
    const server = await startPhasewireServer({ config, dataDir });
    try {
      const meter = parseMeterId('resume-meter-1');
      const token = await server.issueToken(deviceIdentity('meter', meter));
      const caPem = await readFile(server.endpoints.caFile, 'utf8');
      identity = (await ensureEnrolled({
        dataDir: join(dir, 'meter'), meter, token: token.token, estServer: server.endpoints.enrollment, keyServer: server.endpoints
          .keyProvisioning, trustedCa: caPem,
      })).identity;
      const first = await handshake(server.endpoints.mqttPort, identity);
      assert.equal(first.reused, false);
      assert.ok(first.ticket !== undefined);
      ticket = first.ticket;
    } finally {
      await server.close();
    }
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('resumes with the ticket of the previous run, and not once the stored keys are gone', async () => {
    const again = await startPhasewireServer({ config, dataDir });
    try {
      assert.equal((await handshake(again.endpoints.mqttPort, identity, ticket)).reused, true, 'resumed after the restart');
    } finally {
      await again.close();
    }
    await rm(join(dataDir, ticketKeyFile));
    const fresh = await startPhasewireServer({ config, dataDir });
    try {
      assert.equal((await handshake(fresh.endpoints.mqttPort, identity, ticket)).reused, false, 'new keys: a full handshake');
    } finally {
      await fresh.close();
    }
  });
});
