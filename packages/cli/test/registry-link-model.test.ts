// The model and link of meters that are not the demo's: a `phasewire meter run` agent and a meter
// behind `phasewire gateway run`, both against the whole head-end as `phasewire server` runs it.
// The demo writes model and link into the registry itself; these meters say them in their status
// messages, and the registry keeps them, so the fleet's "by link" table counts them and
// `?link=rs485` finds the gateway's meter (both were null before, and the table showed 0 online).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseMeterId } from '@phasewire/core';
import { parseGatewayConfig } from '@phasewire/gateway';
import { startGateway } from '@phasewire/gateway/node';
import { deviceIdentity } from '@phasewire/secure';
import { fleetSummary, listMeters, meterSummary } from '@phasewire/api';
import { parseServerConfig } from '@phasewire/server';
import { startPhasewireServer, type PhasewireServer } from '@phasewire/server/node';
import { bufferIo } from '../src/io.ts';
import { runCli } from '../src/run.ts';

const behindGateway = parseMeterId('reg-gw-1');
const direct = parseMeterId('reg-run-1');
let dir: string;
let server: PhasewireServer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phasewire-registry-'));
  const config = parseServerConfig({ mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 }, broker: { kind:
    'embedded' } });
  server = await startPhasewireServer({ config, dataDir: join(dir, 'data') });
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function until(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  for (let waited = 0; !predicate(); waited += 50) {
    if (waited > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('model and link of meters run by meter run and by the gateway', () => {
  it('reach the registry, the fleet\'s by-link counts and the link filter', { timeout: 90_000 }, async () => {
    const endpoints = server.endpoints;
    const mqtt = `mqtts://127.0.0.1:${endpoints.mqttPort}`;
    const gatewayConfig = parseGatewayConfig({
      transport: { simulated: { baud: 19_200, speed: 10 } },
      headEnd: {
        server: mqtt, enroll: endpoints.enrollment, keyServer: endpoints.keyProvisioning, ca: endpoints.caFile,
        tokens: { [behindGateway]: (await server.issueToken(deviceIdentity('meter', behindGateway))).token },
      },
      link: 'cellular', dataDir: 'gateway-data', statsEvery: '1h',
      meters: [{ meter: behindGateway, unit: 1, profile: 'sdm630', period: '2s', simulate: { scenario: 'balanced-resistive' } }],
    }, 'gateway.json');
    const gateway = await startGateway(gatewayConfig, { output: bufferIo(), baseDir: dir });
    let interrupt = (): void => undefined;
    const meterIo = bufferIo({}, dir, new Promise<void>((resolve) => { interrupt = resolve; }));
    const token = (await server.issueToken(deviceIdentity('meter', direct))).token;
    const meterRun = runCli(['meter', 'run', '--serial', direct, '--token', token, '--server', mqtt, '--enroll', endpoints.enrollment,
      '--key-server', endpoints.keyProvisioning, '--ca', endpoints.caFile, '--link', 'cellular', '--interval', '1s', '--data-dir',
        'meter-data'], meterIo);
    try {
      const registry = server.headEnd.registry;
      await until(() => registry.get(behindGateway)?.linkProfile === 'rs485' && registry.get(direct)?.linkProfile === 'cellular',
        'both meters\' links in the registry');
      assert.deepEqual([registry.get(behindGateway)?.model, registry.get(direct)?.model], ['sdm630', 'pw-sim-3p']);

      const figures = { now: Date.now(), onlineWindowMs: 5 * 60_000, alarms: new Map(), vufPercent: () => null, completeness: new Map() };
      const summaries = registry.list().filter((record) => record.kind === 'meter').map((record) => meterSummary(record, figures));
      const byLink = fleetSummary(summaries).byLink;
      assert.deepEqual([byLink.rs485.online, byLink.cellular.online, byLink.wifi.online], [1, 1, 0]);
      assert.deepEqual(listMeters(summaries, { link: 'rs485' }).items.map((meter) => [meter.id, meter.model, meter.link]), [[behindGateway,
        'sdm630', 'rs485']]);
    } finally {
      interrupt();
      await gateway.stop();
      assert.equal(await meterRun, 0, meterIo.stderr());
    }
  });
});
