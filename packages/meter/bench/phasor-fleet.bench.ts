// Phasor mode at fleet scale: 10,000 meters read once per second. The figure is the share of one
// core the fleet needs to keep up in real time (CPU seconds per simulated second, all threads, so
// the garbage collector's helpers count); the limit is a quarter of a core.
import type { Benchmark } from '@phasewire/bench';
import { Q, type Snapshot } from '@phasewire/core';
import { createPhasorFleet } from '@phasewire/meter';

const meters = 10_000;
const warmupSeconds = 3;
const measuredSeconds = 10;

const benchmark: Benchmark = {
  name: 'phasor-fleet',
  title: 'Phasor-mode fleet, 10,000 meters at one reading per second: CPU share of one core vs the 0.25 limit',
  target: { atMost: 1 },
  runs: 5,
  measure() {
    const start = Date.UTC(2026, 0, 1, 9);
    const fleet = createPhasorFleet(meters, 42, start);
    // The consumer a real fleet feeds: read one value of each snapshot, as an encoder would read all.
    let total = 0;
    const consume = (s: Snapshot): void => { total += s.values.get(Q.activePower) ?? 0; };
    let second = 0;
    for (; second < warmupSeconds; second++) fleet.advanceTo(start + (second + 1) * 1000, consume);
    const cpu = process.cpuUsage();
    const wall = performance.now();
    for (let k = 0; k < measuredSeconds; k++, second++) fleet.advanceTo(start + (second + 1) * 1000, consume);
    const used = process.cpuUsage(cpu);
    const wallMs = performance.now() - wall;
    const cpuSeconds = (used.user + used.system) / 1e6;
    if (!(total > 0)) throw new Error('the fleet measured no power');
    const share = cpuSeconds / measuredSeconds;
    return Promise.resolve({
      figure: { label: 'CPU share of one core to keep 10,000 meters in real time', value: share, unit: 'cores' },
      reference: { label: 'a quarter of one core', value: 0.25, unit: 'cores', kind: 'limit' },
      extra: {
        cpuMicrosecondsPerReading: (cpuSeconds * 1e6) / (meters * measuredSeconds),
        wallMillisecondsPerStep: wallMs / measuredSeconds,
        metersPerCoreAtOneHertz: (meters * measuredSeconds) / cpuSeconds,
      },
    });
  },
};

export default benchmark;
