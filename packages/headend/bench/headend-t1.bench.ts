// T1 (PERFORMANCE.md): end-to-end ingest, one reading per message — mutual-TLS MQTT at QoS 1 →
// envelope open + replay check → validation → durable commit (synchronous=FULL, group commit) →
// PUBACK — in readings per second, against two peers in the same run: Debian's Mosquitto
// forwarding alone (same mTLS, QoS 1, a subscriber counting) and the straight-line prototype
// (headend-server.ts). Each server runs in its own process; the load (64 devices, each its own
// certificate and connection, 16 QoS 1 PUBLISHes in flight per connection, pre-sealed) in another.
// The target asks for 10 minutes sustained; a bench run affords 64,000 messages (a few seconds)
// per server (PW_BENCH_HEADEND_SCALE scales it). Reference: Mosquitto (≥ 0.85×); the prototype
// ratio (≥ 1.4×) is recorded beside it.
import type { Benchmark } from '@phasewire/bench';
import { againstPeers, scaled } from './headend-rig.ts';
import type { ThroughputOptions } from './headend-rig.ts';

export const singleReadingLoad: ThroughputOptions =
  { devices: 64, messagesPerDevice: scaled(1000), snapshots: 1, quantities: 1, window: 16 };

const benchmark: Benchmark = {
  name: 'headend-t1',
  title: 'T1: head-end end to end, one reading per message (mTLS, QoS 1, durable commit before PUBACK), readings/s vs Mosquitto forwarding '
    + 'alone; the straight-line prototype beside it',
  target: { atLeast: 0.85 },
  runs: 3,
  measure: () => againstPeers(singleReadingLoad, 'Mosquitto forwarding alone, same mTLS and QoS 1'),
};

export default benchmark;
