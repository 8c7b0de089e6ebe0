// A synthetic fleet of three-phase meters reporting every 15 minutes, for the store benchmarks.
// Each snapshot carries the 13 values of the performance plan's "15-minute three-phase reading"
// (3 V, 3 I, 3 PF, P, Q, f and the active energy register), quantized to the uplink resolution as a
// real meter's batch would be. Loads follow a business-day profile with noise; voltages wander around
// 230 V; the register accumulates the energy. Seeded, so every run stores the same data.
import { parseMeterId, Q, SeededRandom, stepsOf, type MeterId, type ObisCode, type Snapshot } from '@phasewire/core';

export const fleetQuantities: readonly ObisCode[] = [
  Q.voltageL1, Q.voltageL2, Q.voltageL3, Q.currentL1, Q.currentL2, Q.currentL3,
  Q.powerFactorL1, Q.powerFactorL2, Q.powerFactorL3, Q.activePower, Q.reactivePowerImport, Q.frequency, Q.activeEnergyImport,
];

const steps = fleetQuantities.map(stepsOf);
const quantize = (value: number, i: number): number => Math.round(value * (steps[i] ?? 1)) / (steps[i] ?? 1);

interface MeterModel {
  readonly id: MeterId;
  readonly random: SeededRandom;
  readonly baseKw: number;
  readonly share: readonly [number, number, number];
  readonly vOffset: readonly [number, number, number];
  readonly pf: readonly [number, number, number];
  registerWh: number;
}

export const fleetMeterId = (i: number): MeterId => parseMeterId(`meter-${String(i).padStart(6, '0')}`);

export class Fleet {
  readonly meters: readonly MeterModel[];

  constructor(count: number, seed = 7) {
    const random = new SeededRandom(seed);
    this.meters = Array.from({ length: count }, (_, i) => {
      const r = random.fork();
      const a = r.between(0.25, 0.4);
      const b = r.between(0.25, 0.4);
      return {
        id: fleetMeterId(i),
        random: r,
        baseKw: r.between(2, 30),
        share: [a, b, 1 - a - b],
        vOffset: [r.between(-3, 3), r.between(-3, 3), r.between(-3, 3)],
        pf: [r.between(0.85, 0.97), r.between(0.85, 0.97), r.between(0.85, 0.97)],
        registerWh: Math.round(r.between(1e5, 1e8)),
      };
    });
  }

  /** The snapshot every meter takes at `at` (a 15-minute boundary), advancing the registers. */
  snapshot(meter: MeterModel, at: number): Snapshot {
    const r = meter.random;
    const hour = (at % 86_400_000) / 3_600_000;
    const profile = 0.35 + 0.65 * Math.max(0, Math.sin(((hour - 6) / 13) * Math.PI));
    const pKw = meter.baseKw * profile * (1 + 0.08 * r.normal());
    const slow = 2 * Math.sin((hour / 24) * 2 * Math.PI);
    const values: number[] = [];
    const pf = meter.pf.map((p) => Math.min(0.999, p + 0.01 * r.normal()));
    const volts = meter.vOffset.map((o) => 230 + o + slow + 0.4 * r.normal());
    values.push(...volts);
    values.push(...meter.share.map((s, k) => (pKw * 1000 * s) / ((volts[k] ?? 230) * (pf[k] ?? 0.9))));
    values.push(...pf);
    const pfTotal = meter.share.reduce((sum, s, k) => sum + s * (pf[k] ?? 0.9), 0);
    values.push(pKw * 1000, pKw * 1000 * Math.tan(Math.acos(pfTotal)), 50 + 0.015 * r.normal());
    meter.registerWh += pKw * 250;
    values.push(meter.registerWh);
    return { meter: meter.id, at, values: new Map(fleetQuantities.map((q, i) => [q, quantize(values[i] ?? 0, i)])) };
  }

  /** Every meter's snapshot at `at`, in meter order (how a head-end receives one interval). */
  interval(at: number): Snapshot[] {
    return this.meters.map((m) => this.snapshot(m, at));
  }
}

/** The values of a snapshot as whole numbers of resolution steps, in `fleetQuantities` order. */
export const scaledValues = (snapshot: Snapshot): number[] =>
  fleetQuantities.map((q, i) => Math.round((snapshot.values.get(q) ?? 0) * (steps[i] ?? 1)));
