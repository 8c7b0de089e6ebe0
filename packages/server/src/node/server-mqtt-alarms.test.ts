// The server's MQTT alarm notifications as configured in the server file (mdm.mqttNotify): the
// phasewire server with its standard services publishes an alarm transition to Debian's mosquitto,
// started here on a loopback port with TLS 1.3 and client certificates required, as the broker of a
// site would be. Broker and notifier use the server's own PKI: mosquitto presents the server's
// listener certificate and trusts the phasewire CA; the notifier uses the server's own client
// certificate (the default), and a subscriber must receive the transition at QoS 1.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackChild } from '@phasewire/test-kit';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { parseMeterId } from '@phasewire/core';
import { tlsClientOptions, tlsIdentity, tlsTrust } from '@phasewire/secure/node';
import { parseServerConfig } from '../server-config.ts';
import { freePort } from '@phasewire/headend/node';
import { overVoltageSnapshot } from '../testing/index.ts';
import { startPhasewireServer, type PhasewireServer } from './phasewire-server.ts';
import { standardServices, type StandardServices } from './standard-services.ts';

const meter = parseMeterId('meter-mqtt-1');

async function until<T>(attempt: () => Promise<T | undefined>, what: () => string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what()}`, { cause: lastError });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('MQTT alarm notifications from the server file', { timeout: 60_000 }, () => {
  let dir: string;
  let server: PhasewireServer;
  let services: StandardServices;
  let broker: ChildProcess;
  let brokerLog = '';
  let subscriber: MqttClient;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-mqtt-alarms-'));
    const port = await freePort();
    services = standardServices({ mdm: { timer: false } });
    server = await startPhasewireServer({
      config: parseServerConfig({
        mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 }, api: { enabled: false },
        mdm: { mqttNotify: { url: `mqtts://127.0.0.1:${port}`, topicPrefix: 'site-7/alarms' } },
      }),
      dataDir: join(dir, 'data'), services,
    });
    const data = server.dataDir;
    const config = join(dir, 'mosquitto.conf');
    await writeFile(config, [
      // As root (tests in a container) mosquitto would drop to its own user, which cannot read the data directory.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      'persistence false', 'log_dest stderr', `listener ${port} 127.0.0.1`,
      `cafile ${server.endpoints.caFile}`, `certfile ${join(data, 'server.pem')}`, `keyfile ${join(data, 'server.key')}`,
      'require_certificate true', 'use_identity_as_username true', 'tls_version tlsv1.3', '',
    ].join('\n'));
    broker = spawn('mosquitto', ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    trackChild(broker);
    broker.stderr?.on('data', (chunk: Buffer) => { brokerLog += chunk.toString('utf8'); });
    // The subscriber: the server's own client certificate too (any certificate of its CA would do).
    const identity = tlsIdentity(await readFile(join(data, 'ingest.pem'), 'utf8'), await readFile(join(data, 'ingest.key'), 'utf8'));
    const tls = tlsClientOptions(identity, tlsTrust(await readFile(server.endpoints.caFile, 'utf8')));
    const options = {
      protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 2_000, clientId: 'alarm-subscriber', rejectUnauthorized: true,
      secureContext: tls.secureContext, minVersion: tls.minVersion, maxVersion: tls.maxVersion,
    };
    // A refused TLS 1.3 client certificate ends in a close without an error: each attempt has its own deadline.
    const attempt = (): Promise<MqttClient> => {
      const client = mqtt.connect(`mqtts://127.0.0.1:${port}`, options as IClientOptions);
      return new Promise((resolve, reject) => {
        const refused = (error?: Error): void => { client.end(true); reject(error ?? new Error('closed before CONNACK')); };
        client.once('connect', () => { client.off('close', refused); client.off('error', refused); resolve(client); });
        client.once('close', refused);
        client.once('error', refused);
      });
    };
    subscriber = await until(attempt, () => `mosquitto to accept the subscriber (mosquitto: ${brokerLog})`);
    await subscriber.subscribeAsync('site-7/alarms/#', { qos: 1 });
  });

  after(async () => {
    await subscriber.endAsync();
    await server.close();
    broker.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes a transition at QoS 1 to <prefix>/<meter>/<alarm type> over TLS 1.3 with the server\'s client certificate', async () => {
    const arrived = new Promise<{ topic: string; payload: string; qos: number }>((resolve) => {
      subscriber.once('message', (topic, payload, packet) => { resolve({ topic, payload: payload.toString('utf8'), qos: packet.qos }); });
    });
    // One interval at 120 % of Udin on every phase: over-voltage, critical (115 %), raised at once.
    const snapshot = overVoltageSnapshot(meter, Date.now());
    const { at } = snapshot;
    await server.store.appendSnapshots([snapshot]);
    const mdm = services.mdm;
    assert.ok(mdm !== undefined, 'the MDM service runs');
    const report = await mdm.runOnce();
    assert.ok(report.transitions >= 1, 'the run raised an alarm');
    // The notifier connects in the background: the outbox delivers once it is connected.
    const delivered = async () => (await mdm.flushNotifications()) > 0
      || (await server.store.alarmTransitions({ unnotifiedOnly: true })).length === 0;
    await until(async () => (await delivered() ? true : undefined), () => `the outbox to deliver (mosquitto: ${brokerLog})`);
    const message = await arrived;
    assert.equal(message.topic, `site-7/alarms/${meter}/over-voltage`);
    assert.equal(message.qos, 1);
    const notification = JSON.parse(message.payload) as { kind: string; alarm: string; state: string; severity: string; at: string };
    assert.deepEqual([notification.kind, notification.alarm, notification.state, notification.severity, notification.at],
      ['phasewire.alarm', 'over-voltage', 'raised', 'critical', new Date(at).toISOString()]);
    assert.deepEqual(await server.store.alarmTransitions({ unnotifiedOnly: true }), [], 'the outbox is empty');
  });
});
