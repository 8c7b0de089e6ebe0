// T2 (PERFORMANCE.md): end-to-end ingest of gateway batches, 100 readings per message (25
// snapshots × 4 quantities), readings/s, against the same two peers as T1 in the same run:
// Mosquitto forwarding the same messages alone, and the straight-line prototype. 64 devices × 100
// messages (640,000 readings) per server, 16 in flight per connection; the target's "sustained" is
// scaled down to a few seconds (PW_BENCH_HEADEND_SCALE scales it).
import type { Benchmark } from '@phasewire/bench';
import { againstPeers, scaled } from './headend-rig.ts';
import type { ThroughputOptions } from './headend-rig.ts';

export const batchedLoad: ThroughputOptions = { devices: 64, messagesPerDevice: scaled(100), snapshots: 25, quantities: 4, window: 16 };

const benchmark: Benchmark = {
  name: 'headend-t2',
  title: 'T2: head-end end to end, 100 readings per message, readings/s vs Mosquitto forwarding the same messages alone; the '
    + 'straight-line prototype beside it',
  target: { atLeast: 0.85 },
  runs: 3,
  measure: () =>
    againstPeers(batchedLoad, 'Mosquitto forwarding alone (readings carried per second)', { absoluteTargetReadingsPerSecond: 300_000 }),
};

export default benchmark;
