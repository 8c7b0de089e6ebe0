// Firmware updates end to end, as a utility would run them: `phasewire server` (startPhasewireServer)
// with a TUF repository in its data directory, whose online keys sit in a SoftHSM2 token it renews
// with; real meter agents enrolled through EST, on MQTT over mutual TLS, sent a sealed
// firmware-update command by the head-end. Each agent downloads through its updater from the
// server's HTTPS file server, restarts into the new slot and runs its health check:
//   - a metrology fix commits: the status says 1.1.0 in slot B, and the phantom reactive power that
//     the factory image's wrong phase-angle correction put on L2 of a resistive load is gone;
//   - a bad build (it stops publishing) fails its health check and rolls back: the device stays on
//     1.0.0 and the rolled-back event says why;
//   - an update whose maintenance window opens later waits for it before it downloads.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseMeterId, Q, SeededRandom } from '@phasewire/core';
import type { MeterId } from '@phasewire/core';
import type { FirmwareProgress } from '@phasewire/core/protocol';
import { encodeFirmwareBundle, linkProfiles } from '@phasewire/agent';
import type { FirmwareBundle } from '@phasewire/agent';
import { ensureEnrolled, MeterAgent } from '@phasewire/agent/node';
import { createSimulatedMeter } from '@phasewire/meter';
import { FirmwareRepository } from '@phasewire/mdm/firmware';
import { directoryStorage } from '@phasewire/mdm/node';
import { deviceIdentity } from '@phasewire/secure';
import { Pkcs11Keystore } from '@phasewire/secure/node';
import { startSoftHsm } from '@phasewire/secure/testing';
import type { SoftHsmFixture } from '@phasewire/secure/testing';
import { parseServerConfig } from '@phasewire/server';
import { startPhasewireServer } from '@phasewire/server/node';
import type { PhasewireServer } from '@phasewire/server/node';

const model = 'pw-sim-3p';
const hw = 'r1';
const target = (version: string): string => `${model}/${hw}/${model}-${hw}-${version}.bin`;
const bundle = (version: string, l2: number, fault?: 'stop-publishing'): Uint8Array => encodeFirmwareBundle({
  format: 'phasewire-meter-firmware', version, metrology: { phaseAngleCorrectionDeg: [0, l2, 0] },
  ...(fault === undefined ? {} : { fault }),
} satisfies FirmwareBundle);
/** The factory image: its L2 correction is 4° off, so a resistive load shows reactive power on L2 it does not draw. */
const factory = bundle('1.0.0', 4);
const healthCheckMs = 4000;

async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!await predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('firmware updates through phasewire server, its file server and real meter agents', () => {
  let dir: string;
  let hsm: SoftHsmFixture;
  let server: PhasewireServer;
  const agents: MeterAgent[] = [];
  const timers: NodeJS.Timeout[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-firmware-device-'));
    hsm = await startSoftHsm(['firmware-offline', 'firmware-online']);
    const offline = await Pkcs11Keystore.open(hsm.options('firmware-offline'));
    const online = await Pkcs11Keystore.open(hsm.options('firmware-online'));
    const repository = await FirmwareRepository.init({
      storage: directoryStorage(join(dir, 'data', 'firmware')), offline, online, clock: { now: () => Date.now() },
    });
    const image = { model, hardwareRevision: hw };
    await repository.add({ ...image, version: '1.0.0', securityVersion: 1, bytes: factory });
    await repository.add({ ...image, version: '1.1.0', securityVersion: 2, bytes: bundle('1.1.0', 0) });
    await repository.add({ ...image, version: '1.1.1', securityVersion: 2, bytes: bundle('1.1.1', 0, 'stop-publishing') });
    await repository.add({ ...image, version: '1.2.0', securityVersion: 2, bytes: bundle('1.2.0', 0) });
    await offline.close();
    await online.close();
    const options = hsm.options('firmware-online');
    const config = parseServerConfig({
      mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 },
      firmware: { port: 0, onlineToken: 'firmware-online', pkcs11Module: options.module, pinEnv: 'PW_TEST_FIRMWARE_PIN' },
    });
    server = await startPhasewireServer({ config, dataDir: join(dir, 'data'), env: { PW_TEST_FIRMWARE_PIN: hsm.pin } });
  });
  after(async () => {
    for (const timer of timers) clearInterval(timer);
    for (const agent of agents) await agent.stop();
    await server.close();
    await hsm.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  /** An enrolled agent on a simulated resistive load that reads every 100 ms, with the factory firmware. */
  const meter = async (name: string): Promise<{ id: MeterId; agent: MeterAgent }> => {
    const id = parseMeterId(name);
    const dataDir = join(dir, 'meters', name);
    const token = await server.issueToken(deviceIdentity('meter', id));
    const ca = await readFile(server.endpoints.caFile, 'utf8');
    const { identity } = await ensureEnrolled({
      dataDir, meter: id, token: token.token, estServer: server.endpoints.enrollment, keyServer: server.endpoints.keyProvisioning,
      trustedCa: ca,
    });
    const url = new URL(server.endpoints.firmware ?? assert.fail('the server serves no firmware repository'));
    const start = Date.now() - 60_000;
    const agent = await MeterAgent.open({
      identity, dataDir, broker: { host: '127.0.0.1', port: server.endpoints.mqttPort, servername: 'localhost' },
      profile: { ...linkProfiles.wifi, reconnect: { initialMs: 50, maxMs: 200 } }, clock: { now: () => Date.now() },
      random: new SeededRandom(1),
      meter: createSimulatedMeter({ meter: id, scenario: 'balanced-resistive', mode: 'phasor', seed: 3, start }),
      describe: { model, link: 'wifi' },
      firmware: {
        baseUrl: url.origin, trustedRoot: join(dir, 'data', 'firmware', 'metadata', '1.root.json'), model, hardwareRevision: hw,
        fetcher: { host: '127.0.0.1', port: Number(url.port), servername: 'localhost', trust: { anchors: ca }, chunkBytes: 512,
          retryDelayMs: 50 },
        factory: { bytes: factory, securityVersion: 1 }, healthCheckMs, pollMs: 100,
      },
    });
    agents.push(agent);
    agent.start();
    timers.push(setInterval(() => { void agent.takeReading().catch(() => undefined); }, 100));
    await until(() => server.headEnd.reportedFirmware().get(id)?.version === '1.0.0', `${name} online on its factory firmware`);
    return { id, agent };
  };

  const progress = (id: MeterId): (FirmwareProgress & { at: number })[] => server.headEnd.activity.events(id, 1000)
    .filter((event) => event.kind === 'firmware-progress').reverse()
    .map((event) => ({ ...(event.body as FirmwareProgress), at: event.at }));
  const states = (id: MeterId): string[] => progress(id).map((event) => event.state);
  const update = (id: MeterId, version: string, window: { notBefore?: number; notAfter?: number } = {}) =>
    server.headEnd.sendCommand(id, 'firmware-update', 10_000, {
      firmware: { campaign: 'e2e', target: target(version), version, ...window },
    });

  /** L2's reactive power over its apparent power in the readings stored in [from, to): sin of the angle the meter reports. */
  const reactiveShareL2 = async (id: MeterId, from: number, to: number): Promise<number[]> => {
    const q = await server.store.readings(id, Q.reactivePowerImportL2, { from, to });
    const s = new Map((await server.store.readings(id, Q.apparentPowerL2, { from, to })).map((reading) => [reading.at, reading.value]));
    return q.flatMap((reading) => { const va = s.get(reading.at); return va === undefined || va === 0 ? [] : [reading.value / va]; });
  };

  it('commits a metrology fix: the status says 1.1.0 in slot B and the phantom reactive power on L2 is gone', async () => {
    const { id } = await meter('fw-commit-1');
    const sent = Date.now();
    const answer = await update(id, '1.1.0');
    assert.equal(answer.status, 'done', JSON.stringify(answer));
    await until(() => states(id).includes('committed') || states(id).includes('rolled-back'), 'the end of the update');
    assert.deepEqual(states(id), ['offered', 'downloading', 'downloaded', 'installing', 'trial', 'committed']);
    await until(() => server.headEnd.reportedFirmware().get(id)?.version === '1.1.0', 'the status of the new firmware');
    assert.deepEqual(server.headEnd.reportedFirmware().get(id), { version: '1.1.0', slot: 'b', securityVersion: 2 });
    const committedAt = progress(id).at(-1)?.at ?? 0;
    const later = Date.now();
    await until(async () => (await reactiveShareL2(id, committedAt, Date.now())).length >= 5, 'readings under 1.1.0');
    const old = await reactiveShareL2(id, 0, sent);
    const fixed = await reactiveShareL2(id, committedAt, Date.now());
    const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
    // sin 4° = 0.0698: what the wrong correction turned from active into reactive power.
    assert.ok(Math.abs(mean(old) - Math.sin((4 * Math.PI) / 180)) < 0.01, `reactive share of L2 under 1.0.0: ${mean(old)}`);
    assert.ok(mean(fixed) < 0.01, `reactive share of L2 under 1.1.0 (after ${later - committedAt} ms): ${mean(fixed)}`);
  });

  it('rolls a bad build back when its health check fails: the device stays on 1.0.0 and says why', async () => {
    const { id, agent } = await meter('fw-rollback-1');
    const answer = await update(id, '1.1.1');
    assert.equal(answer.status, 'done', JSON.stringify(answer));
    await until(() => states(id).includes('rolled-back') || states(id).includes('committed'), 'the end of the update', 60_000);
    assert.deepEqual(states(id), ['offered', 'downloading', 'downloaded', 'installing', 'trial', 'rolled-back']);
    const rolledBack = progress(id).at(-1);
    assert.match(rolledBack?.reason ?? '', new RegExp(`^no acknowledgement from the head-end within ${healthCheckMs} ms of the restart|`
      + `^nothing published within ${healthCheckMs} ms of the restart`));
    assert.match(rolledBack?.reason ?? '', /back on 1\.0\.0$/);
    await until(() => server.headEnd.reportedFirmware().get(id)?.version === '1.0.0' && agent.pending === 0, 'the old firmware online');
    assert.deepEqual(server.headEnd.reportedFirmware().get(id), { version: '1.0.0', slot: 'a', securityVersion: 1 });
  });

  it('waits for its maintenance window before it downloads', async () => {
    const { id } = await meter('fw-window-1');
    const notBefore = Date.now() + 3000;
    const answer = await update(id, '1.2.0', { notBefore, notAfter: notBefore + 600_000 });
    assert.equal(answer.status, 'done', JSON.stringify(answer));
    await until(() => states(id).includes('offered'), 'the offer');
    assert.match(progress(id)[0]?.reason ?? '', /^waiting for the maintenance window from /);
    assert.ok(Date.now() < notBefore, 'the offer came before the window opened');
    assert.deepEqual(states(id), ['offered'], 'nothing downloaded before the window');
    await until(() => states(id).includes('committed'), 'the update in its window');
    const downloading = progress(id).find((event) => event.state === 'downloading');
    assert.ok((downloading?.at ?? 0) >= notBefore, `downloading at ${downloading?.at}, the window opens at ${notBefore}`);
    assert.equal(server.headEnd.reportedFirmware().get(id)?.version, '1.2.0');
  });

  it('fails an update whose maintenance window has closed, and stays on its firmware', async () => {
    const { id } = await meter('fw-closed-1');
    const answer = await update(id, '1.2.0', { notBefore: Date.now() - 120_000, notAfter: Date.now() - 60_000 });
    assert.equal(answer.status, 'done', JSON.stringify(answer));
    await until(() => states(id).includes('failed'), 'the refusal');
    assert.match(progress(id).at(-1)?.reason ?? '', /^the maintenance window closed at /);
    assert.equal(server.headEnd.reportedFirmware().get(id)?.version, '1.0.0');
  });
});
