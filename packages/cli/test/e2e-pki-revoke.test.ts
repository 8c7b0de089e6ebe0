// `phasewire pki revoke`, run as its own process while `phasewire server` runs on the same data
// directory: the revocation is in force when the command says so (the meter's live session is
// dropped, its next handshake refused, its envelope key refused), and it is still there after the
// server's own CA writes (an EST enrollment, a revocation through the server) and after a restart.
// Against the embedded broker and against Mosquitto.
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { ManualClock, parseMeterId, SeededRandom } from '@phasewire/core';
import type { MeterId } from '@phasewire/core';
import { linkProfiles } from '@phasewire/agent';
import { createSimulatedMeter } from '@phasewire/meter';
import { ensureEnrolled, MeterAgent } from '@phasewire/agent/node';
import type { AgentIdentity } from '@phasewire/agent/node';
import { deviceIdentity } from '@phasewire/secure';
import { fetchEnvelopeKey, tlsClientOptions } from '@phasewire/secure/node';
import { parseServerConfig } from '@phasewire/server';
import { startPhasewireServer } from '@phasewire/server/node';
import type { PhasewireServer } from '@phasewire/server/node';

const t0 = Date.UTC(2026, 2, 2, 8, 0);
const cliMain = fileURLToPath(new URL('../src/main.ts', import.meta.url));

async function until(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs `phasewire …` as a child process (killed if the test ends first). */
function phasewire(t: TestContext, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cliMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { child.kill('SIGKILL'); });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => { stdout += text; });
  child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text; });
  return new Promise((resolve) => { child.once('close', (code) => { resolve({ code, stdout, stderr }); }); });
}

/** A TLS handshake with the meter's certificate: resolves once the listener has closed it. */
function refusedHandshake(port: number, identity: AgentIdentity): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ...tlsClientOptions(identity.tls, identity.trust, { servername: 'localhost' }) });
    socket.on('error', () => undefined);
    socket.once('close', () => { resolve(); });
  });
}

function suite(broker: 'embedded' | 'mosquitto'): void {
  it(`with the ${broker} broker: in force when the command returns, kept through EST, an API revocation and a restart`, { timeout:
    120_000 }, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-pki-revoke-'));
    const dataDir = join(dir, 'data');
    const pkiDir = join(dataDir, 'pki');
    const config = parseServerConfig({ mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 }, broker: { kind:
      broker } });
    let server: PhasewireServer = await startPhasewireServer({ config, dataDir });
    const agents: MeterAgent[] = [];
    t.after(async () => {
      for (const agent of agents) await agent.stop();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });
    const enroll = async (name: string): Promise<{ id: MeterId; identity: AgentIdentity }> => {
      const id = parseMeterId(name);
      const token = await server.issueToken(deviceIdentity('meter', id));
      const { identity } = await ensureEnrolled({
        dataDir: join(dir, 'meters', name), meter: id, token: token.token, estServer: server.endpoints.enrollment,
        keyServer: server.endpoints.keyProvisioning, trustedCa: await readFile(server.endpoints.caFile, 'utf8'),
      });
      return { id, identity };
    };

    const { id, identity } = await enroll('revoke-cli-1');
    const clock = new ManualClock(t0);
    const agent = await MeterAgent.open({
      identity, dataDir: join(dir, 'meters', 'revoke-cli-1'), broker: { host: '127.0.0.1', port: server.endpoints.mqttPort, servername:
        'localhost' },
      profile: { ...linkProfiles.wifi, reconnect: { initialMs: 50, maxMs: 200 } }, clock, random: new SeededRandom(1),
      meter: createSimulatedMeter({ meter: id, scenario: 'balanced-motor', mode: 'phasor', seed: 1, start: t0 }),
    });
    agents.push(agent);
    agent.start();
    clock.advance(60_000);
    await agent.takeReading();
    await until(() => agent.pending === 0 && agent.staged === 0 && agent.connected, 'the first ack');
    const serial = server.ca.list().find((entry) => entry.device?.id === id)?.serial;
    assert.ok(serial !== undefined);

    const revoked = await phasewire(t, ['pki', '--dir', pkiDir, '--keystore-key-file', join(pkiDir, 'keystore.key'), 'revoke', serial,
      '--reason', 'keyCompromise']);
    assert.equal(revoked.code, 0, revoked.stderr);
    // In force now: the server has it, dropped the live session, refuses the certificate and its key.
    assert.equal(server.ca.find(serial)?.revoked?.reason, 'keyCompromise');
    await until(() => !agent.connected, 'the live session to be dropped');
    await refusedHandshake(server.endpoints.mqttPort, identity);
    await assert.rejects(fetchEnvelopeKey(server.endpoints.keyProvisioning, identity.tls, identity.trust), { code:
      'PW_ERR_AGENT_KEY_PROVISIONING' });
    assert.match(revoked.stdout, new RegExp(
      `^revoked ${serial} .*keyCompromise; CRLs republished .*; in force at the running server \\(pid ${process.pid}\\)`));

    // The server's own CA writes build on the revocation: an enrollment, a revocation through it.
    const other = await enroll('revoke-cli-2');
    await server.revoke((await enroll('revoke-cli-3')).id);
    const onDisk = async (): Promise<void> => {
      const state = JSON.parse(await readFile(join(pkiDir, 'ca.json'), 'utf8')) as { issued: { serial: string; revoked?: { reason:
        string } }[] };
      assert.equal(state.issued.find((entry) => entry.serial === serial)?.revoked?.reason, 'keyCompromise');
      assert.ok(state.issued.some((entry) => entry.serial === server.ca.list().find((e) => e.device?.id === other.id)?.serial),
        'the enrollment is in the index');
      assert.match(await readFile(join(pkiDir, 'revoked.json'), 'utf8'), new RegExp(`"${serial}"`));
      const crl = execFileSync('openssl', ['crl', '-in', join(pkiDir, 'crl.pem'), '-noout', '-text'], { encoding: 'utf8' });
      assert.match(crl, new RegExp(`Serial Number: 0*${serial.toUpperCase()}\\b`));
    };
    await onDisk();
    assert.equal(server.ca.find(serial)?.revoked?.reason, 'keyCompromise');

    await server.close();
    server = await startPhasewireServer({ config, dataDir });
    await onDisk();
    assert.equal(server.ca.find(serial)?.revoked?.reason, 'keyCompromise');
    await refusedHandshake(server.endpoints.mqttPort, identity);
    await assert.rejects(fetchEnvelopeKey(server.endpoints.keyProvisioning, identity.tls, identity.trust), { code:
      'PW_ERR_AGENT_KEY_PROVISIONING' });
    // The other meter was enrolled under the shared CA state and still gets its key.
    assert.equal((await fetchEnvelopeKey(server.endpoints.keyProvisioning, other.identity.tls, other.identity.trust)).keyId, 1);
  });
}

describe('phasewire pki revoke while phasewire server runs on the directory', () => {
  suite('embedded');
  suite('mosquitto');
});
