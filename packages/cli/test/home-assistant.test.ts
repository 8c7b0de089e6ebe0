// Home Assistant's MQTT discovery from a running server (config `homeAssistant`): real meter agents
// enroll and publish to `phasewire server`, which announces their sensors to Debian's Mosquitto,
// started here as a Home Assistant site's broker would be: TLS 1.3 and a user with a password, no
// anonymous access. A subscriber in Home Assistant's place (its own user) checks every discovery
// message against the schema written from Home Assistant's documentation (api's
// home-assistant-schema.ts), that every state topic carries the meter's latest stored readings in
// the sensors' units, and that a meter's availability turns offline when its agent goes away.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ManualClock, parseMeterId, Q, SeededRandom } from '@phasewire/core';
import type { MeterId } from '@phasewire/core';
import { findSchemaProblem, problemMessage } from '@phasewire/core/schema';
import { HaSensorDiscoverySchema, haSensorConfigTopic, homeAssistantSensors } from '@phasewire/api';
import { linkProfiles } from '@phasewire/agent';
import { createSimulatedMeter } from '@phasewire/meter';
import { ensureEnrolled, LinkEmulator, MeterAgent } from '@phasewire/agent/node';
import { deviceIdentity } from '@phasewire/secure';
import { parseServerConfig } from '@phasewire/server';
import { startPhasewireServer, type PhasewireServer } from '@phasewire/server/node';
import { freePort, trackChild } from '@phasewire/test-kit';

const t0 = Date.UTC(2026, 2, 2, 8, 0);
const minute = 60_000;
const password = 'ha-broker-password-1';

async function until<T>(attempt: () => T | undefined | Promise<T | undefined>, what: () => string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Agent { readonly id: MeterId; readonly agent: MeterAgent; readonly link: LinkEmulator; readonly clock: ManualClock }

describe('Home Assistant MQTT discovery from a running server', { timeout: 120_000 }, () => {
  let dir: string;
  let server: PhasewireServer;
  let broker: ChildProcess;
  let brokerLog = '';
  let subscriber: MqttClient;
  let brokerUrl: string;
  let subscriberOptions: Record<string, unknown>;
  /** The last message of every topic, as a subscriber that joined at any time would get it (retained). */
  const last = new Map<string, { payload: string }>();
  const agents: Agent[] = [];
  const configOf = (id: MeterId, object: string): Record<string, unknown> =>
    JSON.parse(last.get(`homeassistant/sensor/phasewire_${id}/${object}/config`)?.payload ?? '{}') as Record<string, unknown>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-ha-'));
    const port = await freePort();
    server = await startPhasewireServer({
      config: parseServerConfig({
        mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 }, api: { enabled: false },
        homeAssistant: { url: `mqtts://localhost:${port}`, username: 'phasewire', passwordEnv: 'PW_HA_PASSWORD' },
      }),
      dataDir: join(dir, 'data'), env: { PW_HA_PASSWORD: password },
    });
    const passwords = join(dir, 'passwords');
    await writeFile(passwords, '');
    execFileSync('mosquitto_passwd', ['-b', passwords, 'phasewire', password]);
    execFileSync('mosquitto_passwd', ['-b', passwords, 'homeassistant', 'ha-side-password']);
    const config = join(dir, 'mosquitto.conf');
    const data = server.dataDir;
    await writeFile(config, [
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      'persistence false', 'log_dest stderr', `listener ${port} 127.0.0.1`,
      // The site's broker presents the server's certificate here; caFile would name another CA.
      `cafile ${server.endpoints.caFile}`, `certfile ${join(data, 'server.pem')}`, `keyfile ${join(data, 'server.key')}`,
      'tls_version tlsv1.3', 'require_certificate false', 'allow_anonymous false', `password_file ${passwords}`, '',
    ].join('\n'));
    broker = spawn('mosquitto', ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    trackChild(broker);
    broker.stderr?.on('data', (chunk: Buffer) => { brokerLog += chunk.toString('utf8'); });
    brokerUrl = `mqtts://localhost:${port}`;
    subscriberOptions = {
      protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 2_000, clientId: 'home-assistant', username: 'homeassistant',
      password: 'ha-side-password', ca: await readFile(server.endpoints.caFile, 'utf8'), minVersion: 'TLSv1.3', rejectUnauthorized: true,
    };
    subscriber = await until(() => mqtt.connectAsync(brokerUrl, subscriberOptions as IClientOptions).catch(() => undefined),
      () => `mosquitto to accept the subscriber (mosquitto: ${brokerLog})`);
    subscriber.on('message', (topic, payload) => { last.set(topic, { payload: payload.toString('utf8') }); });
    await subscriber.subscribeAsync(['homeassistant/#', 'phasewire/#'], { qos: 1 });
  });

  after(async () => {
    for (const { agent, link } of agents) {
      await agent.stop();
      await link.close();
    }
    await subscriber.endAsync();
    await server.close();
    broker.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  const startAgent = async (name: string): Promise<Agent> => {
    const id = parseMeterId(name);
    const dataDir = join(dir, 'meters', name);
    const token = await server.issueToken(deviceIdentity('meter', id));
    const { identity } = await ensureEnrolled({
      dataDir, meter: id, token: token.token, estServer: server.endpoints.enrollment, keyServer: server.endpoints.keyProvisioning,
      trustedCa: await readFile(server.endpoints.caFile, 'utf8'),
    });
    const link = await LinkEmulator.start({ target: { host: '127.0.0.1', port: server.endpoints.mqttPort }, conditions: { latencyMs: 1 },
      random: new SeededRandom(7) });
    const clock = new ManualClock(t0);
    const meter = createSimulatedMeter({ meter: id, scenario: 'developing-imbalance', mode: 'phasor', seed: 3, start: t0 });
    const agent = await MeterAgent.open({
      identity, dataDir, broker: { host: '127.0.0.1', port: link.port, servername: 'localhost' },
      profile: { ...linkProfiles.wifi, reconnect: { initialMs: 50, maxMs: 200 } }, meter, clock, random: new SeededRandom(1),
    });
    agent.start();
    const created = { id, agent, link, clock };
    agents.push(created);
    return created;
  };

  it('announces every meter\'s sensors in HA\'s documented schema, retained, with states from the latest readings', async () => {
    const meters = [await startAgent('ha-meter-1'), await startAgent('ha-meter-2')];
    for (const { agent, clock } of meters) {
      for (let i = 0; i < 3; i++) {
        clock.advance(minute);
        await agent.takeReading();
      }
    }
    await until(() => (meters.every(({ agent }) => agent.pending === 0 && agent.staged === 0) ? true : undefined), () => 'the acks');

    const configs = (): [string, { payload: string }][] =>
      [...last].filter(([topic]) => topic.startsWith('homeassistant/'));
    const expected = meters.length * homeAssistantSensors.length;
    await until(() => (configs().length === expected ? true : undefined),
      () => `${expected} discovery messages (got ${configs().length}; mosquitto: ${brokerLog})`);
    const uniqueIds = new Set<string>();
    for (const [topic, { payload }] of configs()) {
      assert.match(topic, haSensorConfigTopic);
      const config = JSON.parse(payload) as Record<string, unknown>;
      const problem = findSchemaProblem(HaSensorDiscoverySchema, config);
      assert.equal(problem, undefined, `${topic}: ${problem === undefined ? '' : problemMessage(problem)}`);
      uniqueIds.add(String(config['unique_id']));
    }
    assert.equal(uniqueIds.size, expected, 'every sensor has its own unique_id');

    for (const { id } of meters) {
      // The energy dashboard's registers: both, in kWh, total_increasing.
      for (const object of ['energy_import', 'energy_export']) {
        const config = configOf(id, object);
        assert.deepEqual([config['device_class'], config['state_class'], config['unit_of_measurement']],
          ['energy', 'total_increasing', 'kWh']);
      }
      const stored = new Map((await server.store.latest(id)).map((r) => [r.quantity, r.value]));
      const state = await until(() => {
        const message = last.get(`phasewire/${id}/state`);
        const parsed = message === undefined ? undefined : JSON.parse(message.payload) as Record<string, number>;
        const fresh = parsed?.['energy_import'] === roundTo(stored.get(Q.activeEnergyImport), 1000, 10_000);
        return fresh ? parsed : undefined;
      }, () => `the state of ${id} with its latest readings (${last.get(`phasewire/${id}/state`)?.payload ?? 'none'})`);
      for (const sensor of homeAssistantSensors) {
        const value = stored.get(sensor.quantity);
        assert.ok(value !== undefined, `${id} stored ${sensor.quantity}`);
        // Wh → kWh for the registers; V, A and W as stored.
        const inUnit = sensor.unit === 'kWh' ? value / 1000 : value;
        const published = state[sensor.object] ?? Number.NaN;
        assert.ok(Math.abs(published - inUnit) < 1e-9, `${id} ${sensor.object}: ${published} ≠ ${inUnit}`);
        const config = configOf(id, sensor.object);
        assert.equal(config['state_topic'], `phasewire/${id}/state`);
        assert.equal(config['value_template'], `{{ value_json.${sensor.object} }}`);
      }
      assert.equal(last.get(`phasewire/${id}/availability`)?.payload, 'online');
    }
    assert.equal(last.get('phasewire/status')?.payload, 'online');

    // Home Assistant started after the server gets all of it from the broker: every message is retained.
    const late = await mqtt.connectAsync(brokerUrl, { ...subscriberOptions, clientId: 'home-assistant-late' } as IClientOptions);
    const retained = new Map<string, string>();
    late.on('message', (topic, payload, packet) => { if (packet.retain) retained.set(topic, payload.toString('utf8')); });
    await late.subscribeAsync(['homeassistant/#', 'phasewire/#'], { qos: 1 });
    await until(() => (retained.size === last.size ? true : undefined), () => `${last.size} retained messages (got ${retained.size})`);
    await late.endAsync();
    assert.deepEqual(retained, new Map([...last].map(([topic, { payload }]) => [topic, payload])));
  });

  it('turns a meter\'s availability offline when its agent goes offline, and leaves the others online', async () => {
    const [gone, staying] = agents;
    assert.ok(gone !== undefined && staying !== undefined);
    await gone.agent.stop();
    await until(() => (last.get(`phasewire/${gone.id}/availability`)?.payload === 'offline' ? true : undefined),
      () => `${gone.id} offline (availability: ${last.get(`phasewire/${gone.id}/availability`)?.payload ?? 'none'})`);
    assert.equal(last.get(`phasewire/${staying.id}/availability`)?.payload, 'online');
    agents.splice(0, 1);
    await gone.link.close();
  });

  it('marks every meter unavailable when the server stops: its own status goes offline', async () => {
    for (const { agent } of agents) await agent.stop();
    await server.close();
    await until(() => (last.get('phasewire/status')?.payload === 'offline' ? true : undefined), () => 'phasewire/status offline');
  });
});

function roundTo(value: number | undefined, divisor: number, steps: number): number | undefined {
  return value === undefined ? undefined : Math.round((value / divisor) * steps) / steps;
}
