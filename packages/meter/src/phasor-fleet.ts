// A fleet of phasor-mode meters read together: what the demo and the fleet benchmark drive.
import { parseMeterId, SeededRandom, type Snapshot } from '@phasewire/core';
import { findScenario } from './scenarios.ts';
import { createSimulatedMeter, type SimulatedMeter } from './simulated-meter.ts';

/** The mix of sites a fleet is made of, in turn. */
export const fleetScenarios: readonly string[] = [
  'balanced-motor', 'daily-profile', 'nonlinear', 'single-phase-l2', 'unbalanced', 'us-208', 'us-480',
  'developing-imbalance', 'balanced-resistive',
];

export interface PhasorFleet {
  readonly meters: readonly SimulatedMeter[];
  /**
   * Advances every meter to `time`, handing each snapshot to `onSnapshot` as it is made, in meter
   * order. A consumer that encodes or forwards snapshots one by one keeps none of them alive for
   * long, which is what keeps a 10,000-meter step cheap for the garbage collector.
   */
  advanceTo(time: number, onSnapshot: (snapshot: Snapshot, index: number) => void): void;
}

/**
 * `count` phasor-mode meters named `fleet-000001`…, cycling through `fleetScenarios`, each with its
 * own seed derived from `seed` (so each has its own CT errors).
 */
export function createPhasorFleet(count: number, seed: number, start: number): PhasorFleet {
  const random = new SeededRandom(seed);
  const meters = Array.from({ length: count }, (_, i) => createSimulatedMeter({
    meter: parseMeterId(`fleet-${String(i + 1).padStart(6, '0')}`),
    scenario: findScenario(fleetScenarios[i % fleetScenarios.length] ?? 'balanced-motor'),
    mode: 'phasor',
    seed: random.nextUint32(),
    start,
  }));
  return {
    meters,
    advanceTo(time, onSnapshot) {
      for (let i = 0; i < meters.length; i++) onSnapshot((meters[i] as SimulatedMeter).advanceTo(time), i);
    },
  };
}
