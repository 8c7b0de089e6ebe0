// What the replay-window claim costs an ingest worker whose state is on PostgreSQL
// (docs/head-end.md, "Where the state lives"): groups of 256 messages from 256 devices, each group's
// readings committed to the PostgreSQL meter store (one snapshot of six quantities a message), then
// its counters claimed in the head-end's table (ingest-window.ts). The figure is the claim's time
// per group; the reference is the readings commit of the same group in the same run, on the same
// durable server (fsync on). Target: the claim adds at most half of the readings commit.
import { performance } from 'node:perf_hooks';
import type { Benchmark } from '@phasewire/bench';
import { median } from '@phasewire/bench';
import { parseMeterId, Q, type Snapshot } from '@phasewire/core';
import { counterScope } from '@phasewire/secure';
import type { DeviceId } from '@phasewire/secure';
import { PostgresMeterStore } from '@phasewire/store/node';
import { startPostgres } from '@phasewire/store/testing';
import { PostgresCounterTable } from '../src/node/postgres-counter-table.ts';

const devices = 256;
const groups = 40;
const t0 = Date.UTC(2026, 0, 5);

const benchmark: Benchmark = {
  name: 'headend-claim',
  title: `Replay-window claim on PostgreSQL: time per group of ${devices} messages vs the readings commit of the same group`,
  target: { atMost: 0.5 },
  runs: 3,
  async measure() {
    const server = await startPostgres();
    await server.createDatabase('bench');
    const connectionString = server.connectionString('bench');
    const store = await PostgresMeterStore.open({ connectionString, poolSize: 2 });
    const table = await PostgresCounterTable.open({ connectionString, poolSize: 2 });
    const meters = Array.from({ length: devices }, (_, i) => parseMeterId(`bench-claim-${String(i).padStart(4, '0')}`));
    const commits: number[] = [];
    const claims: number[] = [];
    try {
      for (let g = 0; g < groups; g++) {
        const at = t0 + g * 60_000;
        const snapshots: Snapshot[] = meters.map((meter) => ({ meter, at, values: new Map([[Q.voltageL1, 230 + g / 10], [Q.currentL1, 5],
          [Q.voltageL2, 231], [Q.currentL2, 5.5], [Q.voltageL3, 229], [Q.currentL3, 4.5]]) }));
        const began = performance.now();
        await store.appendSnapshots(snapshots);
        const committed = performance.now();
        const won = await table.claim(meters.map((meter) => ({ scope: counterScope(meter as unknown as DeviceId, 'uplink', 1),
          counter: BigInt(g + 1) })));
        const claimed = performance.now();
        if (won.length !== devices) throw new Error(`claim: ${won.length} of ${devices} counters won in a group of fresh counters`);
        // The first groups create the rows and warm the pools; they are not counted.
        if (g >= 5) { commits.push(committed - began); claims.push(claimed - committed); }
      }
    } finally {
      await table.close();
      await store.close();
      await server.stop();
    }
    return {
      figure: { label: `claim of ${devices} counters (one transaction)`, value: median(claims), unit: 'ms' },
      reference: { label: `readings commit of the same ${devices} messages (${devices * 6} readings)`, value: median(commits), unit: 'ms',
        kind: 'peer' },
      extra: { perMessageClaimUs: (median(claims) * 1000) / devices },
    };
  },
};

export default benchmark;
