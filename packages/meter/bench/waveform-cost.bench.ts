// Waveform mode's cost: CPU time to simulate and measure one meter for one second at 64 samples
// per cycle (sampling, the metrology of every 10-cycle window, registers). The limit is real time:
// one second of CPU per meter-second; the extra figures say how many meters one core keeps up with.
import type { Benchmark } from '@phasewire/bench';
import { parseMeterId } from '@phasewire/core';
import { createSimulatedMeter } from '@phasewire/meter';

const warmupSeconds = 5;
const measuredSeconds = 30;

/** CPU µs per simulated second of one waveform meter on `scenario`. */
function cost(scenario: string): number {
  const start = Date.UTC(2026, 0, 1, 9);
  const sim = createSimulatedMeter({ meter: parseMeterId('bench-waveform'), scenario, mode: 'waveform', seed: 1, start, samplesPerCycle:
    64 });
  let t = 0;
  for (; t < warmupSeconds; t++) sim.advanceTo(start + (t + 1) * 1000);
  const cpu = process.cpuUsage();
  for (let k = 0; k < measuredSeconds; k++, t++) sim.advanceTo(start + (t + 1) * 1000);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / measuredSeconds;
}

const benchmark: Benchmark = {
  name: 'waveform-cost',
  title: 'Waveform mode at 64 samples per cycle: CPU µs per meter-second vs the real-time limit of 1 s',
  target: { atMost: 1 },
  runs: 5,
  measure() {
    // The distorted office load: five current harmonics and five voltage harmonics to synthesise.
    const nonlinear = cost('nonlinear');
    const motor = cost('balanced-motor');
    return Promise.resolve({
      figure: { label: 'CPU per meter-second, nonlinear scenario, 64 samples per cycle', value: nonlinear, unit: 'µs' },
      reference: { label: 'real time, 1 s of CPU per meter-second', value: 1e6, unit: 'µs', kind: 'limit' },
      extra: {
        metersPerCoreInRealTime: 1e6 / nonlinear,
        balancedMotorMicrosecondsPerMeterSecond: motor,
        balancedMotorMetersPerCore: 1e6 / motor,
      },
    });
  },
};

export default benchmark;
