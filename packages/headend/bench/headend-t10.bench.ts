// T10 (PERFORMANCE.md): the head-end's event-loop delay under the T1 load, p99 over the run, from
// perf_hooks.monitorEventLoopDelay (1 ms resolution) inside the head-end process, against the
// 20 ms limit.
import type { Benchmark } from '@phasewire/bench';
import { throughput } from './headend-rig.ts';
import { singleReadingLoad } from './headend-t1.bench.ts';

const benchmark: Benchmark = {
  name: 'headend-t10',
  title: 'T10: head-end event-loop delay p99 under the T1 load vs the 20 ms limit',
  target: { atMost: 1 },
  runs: 3,
  async measure() {
    const run = await throughput('headend', singleReadingLoad);
    return {
      figure: { label: 'event-loop delay p99 under T1 load', value: run.loopP99Ms ?? Number.NaN, unit: 'ms' },
      reference: { label: 'T10 limit', value: 20, unit: 'ms', kind: 'limit' },
      extra: { loopMaxMs: run.loopMaxMs ?? Number.NaN, readingsPerSecond: run.readingsPerSecond },
    };
  },
};

export default benchmark;
