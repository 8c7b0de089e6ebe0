// What a Prometheus scrape of /metrics costs the server with a 1,000-meter fleet: the server's CPU
// per scrape (the client's share taken out: it runs in this process too) and the answer's size. The
// reference is the same HTTPS GET of /healthz on the same keep-alive connection in the same run: the
// floor a scrape cannot go below. Every meter is registered, online and has its latest voltages
// (so the fleet gauges walk all of them); the store holds one snapshot per meter.
import { Agent, request } from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark } from '@phasewire/bench';
import { median } from '@phasewire/bench';
import { parseMeterId, Q } from '@phasewire/core';
import type { Snapshot } from '@phasewire/core';
import { parseServerConfig } from '@phasewire/server';
import { standardServices, startPhasewireServer } from '@phasewire/server/node';

const meters = 1000;
const scrapes = 60;
const config = parseServerConfig({
  mqtt: { port: 0 }, enrollment: { port: 0 }, keyProvisioning: { port: 0 }, api: { port: 0 }, mdm: { enabled: false },
});

function get(agent: Agent, url: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = request(url, { agent, servername: 'localhost' }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => { bytes += chunk.length; });
      res.on('end', () => { done(res.statusCode === 200 ? bytes : -1); });
    });
    req.on('error', fail);
    req.end();
  });
}

/** Process CPU microseconds per request (the client's share is in it, and the same for both paths), median. */
async function cost(agent: Agent, url: string): Promise<{ cpuUs: number; wallMs: number; bytes: number }> {
  for (let i = 0; i < 5; i++) await get(agent, url);
  const cpus: number[] = [];
  const walls: number[] = [];
  let bytes = 0;
  for (let i = 0; i < scrapes; i++) {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    bytes = await get(agent, url);
    walls.push(performance.now() - wall);
    const used = process.cpuUsage(cpu);
    cpus.push(used.user + used.system);
  }
  if (bytes < 0) throw new Error(`GET ${url} did not answer 200`);
  return { cpuUs: median(cpus), wallMs: median(walls), bytes };
}

const benchmark: Benchmark = {
  name: 'metrics-scrape',
  title: 'GET /metrics with 1,000 meters registered, online and with latest voltages: CPU per scrape '
    + 'vs GET /healthz on the same connection',
  target: { atMost: 100 },
  runs: 3,
  async measure() {
    const dir = await mkdtemp(join(tmpdir(), 'phasewire-bench-metrics-'));
    const dataDir = join(dir, 'data');
    try {
      // First start: the fleet in the registry (online) and one snapshot of each meter in the store.
      const first = await startPhasewireServer({ config, dataDir });
      const now = Date.now();
      const snapshots: Snapshot[] = [];
      for (let i = 0; i < meters; i++) {
        const meter = parseMeterId(`bench-${String(i).padStart(4, '0')}`);
        first.headEnd.registry.enrol({ id: meter, kind: 'meter', linkProfile: i % 3 === 0 ? 'cellular' : 'wifi' });
        first.headEnd.activity.status(meter, 'online', now);
        const u = 230 + (i % 7) - 3;
        snapshots.push({ meter, at: now - (now % 900_000), values: new Map([
          [Q.voltageL1, u], [Q.voltageL2, u - 1.5], [Q.voltageL3, u + 1], [Q.angleVoltageL2, 120.4], [Q.angleVoltageL3, 239.7],
        ]) });
      }
      await first.store.appendSnapshots(snapshots);
      first.headEnd.activity.flush();
      await first.close();
      // Second start: the API loads every registered meter's latest values from the store.
      const services = standardServices({ mdm: { timer: false }, api: { scrypt: { N: 2 ** 10, r: 8, p: 1 } } });
      const server = await startPhasewireServer({ config, dataDir, services });
      const ca = await readFile(server.endpoints.caFile, 'utf8');
      const agent = new Agent({ keepAlive: true, maxSockets: 1, ca });
      try {
        const base = services.apiUrl ?? '';
        let series = 0;
        for (let waited = 0; ; waited += 50) {
          const text = await new Promise<string>((done) => {
            request(`${base}/metrics`, { agent, servername: 'localhost' }, (res) => {
              let body = '';
              res.on('data', (c: Buffer) => { body += c.toString(); });
              res.on('end', () => { done(body); });
            }).end();
          });
          const online = `phasewire_sessions{link="wifi"} ${meters - Math.ceil(meters / 3)}`;
          series = text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
          if (/phasewire_fleet_voltage_volts\{phase="L1",stat="mean"\}/.test(text) && text.includes(online)) break;
          if (waited > 30_000) throw new Error('the fleet did not show in /metrics');
          await new Promise((r) => setTimeout(r, 50));
        }
        const floor = await cost(agent, `${base}/healthz`);
        const scrape = await cost(agent, `${base}/metrics`);
        return {
          figure: { label: 'CPU per /metrics scrape, 1,000 meters', value: scrape.cpuUs / 1000, unit: 'ms' },
          reference: { label: 'CPU per /healthz on the same connection', value: floor.cpuUs / 1000, unit: 'ms', kind: 'limit' },
          extra: { scrapeWallMs: scrape.wallMs, scrapeBytes: scrape.bytes, series, healthzWallMs: floor.wallMs },
        };
      } finally {
        agent.destroy();
        await server.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
