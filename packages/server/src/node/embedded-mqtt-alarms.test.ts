// The server's MQTT alarm notifications through its own embedded broker (mdm.mqttNotify pointing
// at the server's MQTT port): the notifier speaks what that broker speaks (MQTT 3.1.1), the broker
// lets the server's own client certificate publish and subscribe under the prefix, and a subscriber
// holding that certificate receives the transition at QoS 1.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { parseMeterId } from '@phasewire/core';
import { tlsClientOptions, tlsIdentity, tlsTrust } from '@phasewire/secure/node';
import { parseServerConfig } from '../server-config.ts';
import { freePort } from '@phasewire/headend/node';
import { overVoltageSnapshot } from '../testing/index.ts';
import { startPhasewireServer, type PhasewireServer } from './phasewire-server.ts';
import { standardServices, type StandardServices } from './standard-services.ts';

const meter = parseMeterId('meter-embedded-1');

describe('MQTT alarm notifications through the server\'s own embedded broker', { timeout: 60_000 }, () => {
  let dir: string;
  let server: PhasewireServer;
  let services: StandardServices;
  let subscriber: MqttClient | undefined;
  const warnings: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phasewire-embedded-alarms-'));
    const port = await freePort();
    services = standardServices({
      mdm: { timer: false }, onError: (error, what) => { warnings.push(`${what}: ${(error as Error).message}`); },
    });
    server = await startPhasewireServer({
      config: parseServerConfig({
        mqtt: { port }, enrollment: { port: 0 }, keyProvisioning: { port: 0 }, api: { enabled: false },
        mdm: { mqttNotify: { url: `mqtts://127.0.0.1:${port}`, topicPrefix: 'site-7/alarms' } },
      }),
      dataDir: join(dir, 'data'), services,
    });
  });

  after(async () => {
    await subscriber?.endAsync(true);
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes an alarm transition at QoS 1 that a subscriber with the server\'s client certificate receives', async () => {
    const data = server.dataDir;
    const identity = tlsIdentity(await readFile(join(data, 'ingest.pem'), 'utf8'), await readFile(join(data, 'ingest.key'), 'utf8'));
    const tls = tlsClientOptions(identity, tlsTrust(await readFile(server.endpoints.caFile, 'utf8')));
    const options = {
      protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000, clientId: 'alarm-subscriber', rejectUnauthorized: true,
      secureContext: tls.secureContext, minVersion: tls.minVersion, maxVersion: tls.maxVersion,
    };
    subscriber = await mqtt.connectAsync(`mqtts://127.0.0.1:${server.endpoints.mqttPort}`, options as IClientOptions);
    const granted = await subscriber.subscribeAsync('site-7/alarms/#', { qos: 1 });
    assert.equal(granted[0]?.qos, 1, 'the subscription under the prefix is granted');
    const client = subscriber;
    const arrived = new Promise<{ topic: string; payload: string; qos: number }>((resolve) => {
      client.once('message', (topic, payload, packet) => { resolve({ topic, payload: payload.toString('utf8'), qos: packet.qos }); });
    });
    // One interval at 120 % of Udin on every phase: over-voltage, critical (115 %), raised at once.
    await server.store.appendSnapshots([overVoltageSnapshot(meter, Date.now())]);
    const mdm = services.mdm;
    assert.ok(mdm !== undefined, 'the MDM service runs');
    assert.ok((await mdm.runOnce()).transitions >= 1, 'the run raised an alarm');
    const message = await arrived;
    assert.equal(message.topic, `site-7/alarms/${meter}/over-voltage`);
    assert.equal(message.qos, 1);
    assert.deepEqual(warnings.filter((w) => /protocol/i.test(w)), [], 'no protocol refusal');
  });
});
