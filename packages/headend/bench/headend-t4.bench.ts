// T4 (PERFORMANCE.md): memory per idle mutual-TLS MQTT session. N devices (each its own
// certificate, PW_BENCH_HEADEND_SESSIONS, default 2,000) connect and stay idle; the server
// process's RSS (from /proc, after a full GC in the head-end) before and after, ÷ N, against the
// 30 KiB limit; Debian's Mosquitto is measured the same way in the same run (RSS via /proc). The
// clients live in the load-generator process. 10,000 and more need as many file descriptors in
// each process (ulimit -n here: 20,000) and minutes of full handshakes on 2 shared cores.
import process from 'node:process';
import type { Benchmark } from '@phasewire/bench';
import { rig, rssBytes, startLoad, startMosquittoPeer, startNodeServer } from './headend-rig.ts';
import type { ServerUnderTest } from './headend-rig.ts';

const sessions = Number(process.env['PW_BENCH_HEADEND_SESSIONS'] ?? '2000');

async function perSession(kind: 'headend' | 'mosquitto'): Promise<{ bytes: number; heapBytes: number; connectSeconds: number }> {
  const r = await rig(sessions);
  const server: ServerUnderTest = kind === 'headend' ? await startNodeServer(r, 'headend') : await startMosquittoPeer(r, false);
  const load = await startLoad(r, { port: server.port, anchors: r.anchors, devices: r.devices.slice(0, sessions), messagesPerDevice: 0,
    snapshots: 1, quantities: 1, window: 1, t0: 0, connectConcurrency: 32 });
  try {
    await load.prepare();
    await server.gc();
    const before = rssBytes(server.pid);
    const heapBefore = (await server.stats())?.heapUsed ?? 0;
    const connected = await load.connect();
    if (connected.failed > 0) throw new Error(`${connected.failed} of ${sessions} sessions could not connect to ${kind}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await server.gc();
    const after = rssBytes(server.pid);
    const heapAfter = (await server.stats())?.heapUsed ?? 0;
    return { bytes: (after - before) / sessions, heapBytes: (heapAfter - heapBefore) / sessions, connectSeconds: connected.ms / 1000 };
  } finally {
    await load.close();
    await server.stop();
  }
}

const benchmark: Benchmark = {
  name: 'headend-t4',
  title: `T4: head-end memory per idle mTLS MQTT session (RSS growth ÷ ${sessions} sessions) vs the 30 KiB limit; Mosquitto measured `
    + `the same way beside it`,
  target: { atMost: 1 },
  runs: 1,
  async measure() {
    const mosquitto = await perSession('mosquitto');
    const headEnd = await perSession('headend');
    return {
      figure: { label: `head-end RSS per idle session at ${sessions} sessions`, value: headEnd.bytes / 1024, unit: 'KiB' },
      reference: { label: 'T4 limit', value: 30, unit: 'KiB', kind: 'limit' },
      extra: {
        sessions,
        headEndHeapKiBPerSession: headEnd.heapBytes / 1024,
        mosquittoKiBPerSession: mosquitto.bytes / 1024,
        ratioToMosquitto: headEnd.bytes / mosquitto.bytes,
        headEndConnectSeconds: headEnd.connectSeconds,
        mosquittoConnectSeconds: mosquitto.connectSeconds,
      },
    };
  },
};

export default benchmark;
