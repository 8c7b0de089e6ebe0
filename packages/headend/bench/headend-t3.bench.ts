// T3 (PERFORMANCE.md): CPU per reading, all in — the head-end process's CPU time (utime + stime
// from /proc, so TLS, MQTT, envelope, validation, SQLite and the sealed acks, nothing of the load
// generator) ÷ readings committed, under the T1 load (one reading per message, limit 20 µs) and
// the T2 load (100 per message, limit 5 µs, recorded beside it with its ratio).
import type { Benchmark } from '@phasewire/bench';
import { throughput } from './headend-rig.ts';
import { singleReadingLoad } from './headend-t1.bench.ts';
import { batchedLoad } from './headend-t2.bench.ts';

const singleLimit = 20;
const batchedLimit = 5;

const benchmark: Benchmark = {
  name: 'headend-t3',
  title: 'T3: head-end CPU µs per reading, one reading per message vs the 20 µs limit (batched vs 5 µs beside it)',
  target: { atMost: 1 },
  runs: 3,
  async measure() {
    const single = await throughput('headend', singleReadingLoad);
    const batched = await throughput('headend', batchedLoad);
    return {
      figure: { label: 'head-end CPU per reading, one reading per message', value: single.cpuMicrosecondsPerReading, unit: 'µs' },
      reference: { label: 'T3 limit, single', value: singleLimit, unit: 'µs', kind: 'limit' },
      extra: {
        batchedCpuMicrosecondsPerReading: batched.cpuMicrosecondsPerReading,
        batchedRatioToLimit: batched.cpuMicrosecondsPerReading / batchedLimit,
        singleReadingsPerSecond: single.readingsPerSecond,
        batchedReadingsPerSecond: batched.readingsPerSecond,
      },
    };
  },
};

export default benchmark;
