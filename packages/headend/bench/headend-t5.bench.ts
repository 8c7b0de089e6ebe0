// T5 (PERFORMANCE.md): reconnect storm after a head-end restart. The target: 100,000 meters all
// back within 30 s with session resumption, memory peak ≤ 1.2× steady state, no reading lost.
// Scaled to PW_BENCH_HEADEND_STORM meters (default 1,000) at the same rate, so the limit is
// 30 s × N / 100,000. The meters connect and send two readings each (all acknowledged); the
// head-end is killed with SIGKILL and started again on the same port and data; every meter then
// reconnects at once (256 handshakes in flight) offering its TLS session ticket. Figure: time until
// every meter has its CONNACK again. Recorded beside it: how many resumed, the RSS peak during the
// storm ÷ the RSS 2 s after it, and the acknowledged readings missing from the store afterwards.
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import process from 'node:process';
import type { Benchmark } from '@phasewire/bench';
import { obisCode } from '@phasewire/core';
import type { MeterId } from '@phasewire/core';
import { SqliteMeterStore } from '@phasewire/store/node';
import { cpuMs, rig, rssBytes, startLoad, startNodeServer } from './headend-rig.ts';

const meters = Number(process.env['PW_BENCH_HEADEND_STORM'] ?? '1000');
const t0 = Date.UTC(2026, 0, 1);
const perMeter = 2;
/** The load generator's first quantity (headend-load.ts): voltage L1. */
const voltageL1 = obisCode(1, 0, 32, 7, 0);

const benchmark: Benchmark = {
  name: 'headend-t5',
  title: `T5: reconnect storm, ${meters} meters after a head-end SIGKILL and restart: time until all are back vs the target's 30 s per `
    + `100,000 scaled (${(30 * meters) / 100_000} s)`,
  target: { atMost: 1 },
  runs: 1,
  async measure() {
    const r = await rig(meters);
    const dataDir = await mkdtemp(join(r.dir, 'storm-'));
    const first = await startNodeServer(r, 'headend', 0, dataDir);
    const load = await startLoad(r, { port: first.port, anchors: r.anchors, devices: r.devices.slice(0, meters),
      messagesPerDevice: perMeter, snapshots: 1, quantities: 1, window: perMeter, t0, connectConcurrency: 256 });
    let second: Awaited<ReturnType<typeof startNodeServer>> | undefined;
    try {
      await load.prepare();
      const initial = await load.connect();
      if (initial.failed > 0) throw new Error(`${initial.failed} of ${meters} meters could not connect`);
      const sent = await load.go();
      if (sent.acked < meters * perMeter)
        throw new Error(`only ${sent.acked} of ${meters * perMeter} messages acknowledged before the restart`);
      first.kill();
      await first.stop();
      second = await startNodeServer(r, 'headend', first.port, dataDir);
      const server = second;
      let peak = rssBytes(server.pid);
      const sampler = setInterval(() => { peak = Math.max(peak, rssBytes(server.pid)); }, 25);
      const cpuBefore = cpuMs(server.pid);
      const storm = await load.reconnect(server.port);
      // What the storm cost the head-end itself (utime + stime): the wall time also holds the
      // devices' handshakes and whatever else the machine runs.
      const serverCpuMs = cpuMs(server.pid) - cpuBefore;
      clearInterval(sampler);
      peak = Math.max(peak, rssBytes(server.pid));
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const steady = rssBytes(server.pid);
      await load.close();
      await server.stop();
      const store = await SqliteMeterStore.open({ path: join(dataDir, 'store.db') });
      let missing = 0;
      try {
        for (const device of r.devices.slice(0, meters)) {
          const stored = await store.readings(device.id as MeterId, voltageL1, { from: t0, to: t0 + perMeter * 900_000 });
          missing += perMeter - stored.length;
        }
      } finally {
        await store.close();
      }
      return {
        figure: { label: `time until all ${meters} meters are connected again`, value: storm.ms, unit: 'ms' },
        reference: { label: `30 s per 100,000 meters, scaled to ${meters}`, value: (30_000 * meters) / 100_000, unit: 'ms', kind: 'limit' },
        extra: { meters, serverCpuMsPerReconnect: serverCpuMs / meters, serverCores: serverCpuMs / storm.ms, failed: storm.failed,
          resumed: storm.resumed, memoryPeakToSteady: peak / steady, peakMiB: peak / 2 ** 20, steadyMiB: steady / 2 ** 20,
          acknowledgedReadingsMissing: missing, reconnectsPerSecond: meters / (storm.ms / 1000) },
      };
    } finally {
      await load.close();
      await second?.stop();
    }
  },
};

export default benchmark;
