// VEE-PHASE-SUM: the energies of the three phases against the total, interval by interval. A meter
// whose total disagrees with its phases has a wiring, CT or firmware fault.
//
// Like must be compared with like. A three-phase meter registers its totals on the sign of the sum
// of the phases (energy-registers.ts in the meter package; IEC 62053-23 four quadrants), so the
// phase import registers sum to the total import only while every phase imports. With the export
// registers given too, the rule compares net energies (import − export), which always sum.
import type { ThreePhase } from '@phasewire/core';
import type { Finding, MeterMetadata, RegisterRead } from '../types.ts';
import type { VeeParameters } from './parameters.ts';
import { buildRegisterChain } from './register-chain.ts';
import { checkReads } from './read-checks.ts';
import { suspect, type WorkingInterval } from './working-interval.ts';

export interface PhaseRegisters {
  /** The import registers of L1, L2, L3, of the same direction as the channel. */
  readonly phases: ThreePhase<readonly RegisterRead[]>;
  /** For a net comparison: the export registers of the phases and of the total. */
  readonly exports?: { readonly phases: ThreePhase<readonly RegisterRead[]>; readonly total: readonly RegisterRead[] };
}

/** Interval energies of one register by interval end; only single-interval steps with a known energy. */
export function intervalEnergies(reads: readonly RegisterRead[], meta: MeterMetadata, now: number, p: VeeParameters): Map<number, number> {
  const checked = checkReads(reads, meta.intervalMs, now, p);
  const chain = buildRegisterChain(checked.reads, meta, p);
  const energies = new Map<number, number>();
  for (const step of chain.steps) {
    if (step.energy !== null && step.to - step.from === meta.intervalMs) energies.set(step.to, step.energy);
  }
  return energies;
}

export function checkPhaseSum(
  intervals: readonly WorkingInterval[],
  input: PhaseRegisters,
  meta: MeterMetadata,
  now: number,
  p: VeeParameters,
): Finding[] {
  const energies = (reads: readonly RegisterRead[]): Map<number, number> => intervalEnergies(reads, meta, now, p);
  const imports = input.phases.map(energies);
  const exportPhases = input.exports?.phases.map(energies);
  const exportTotal = input.exports === undefined ? undefined : energies(input.exports.total);
  const findings: Finding[] = [];
  for (const interval of intervals) {
    const total = interval.value;
    if (total === null) continue;
    let phaseSum = 0;
    let totalNet = total;
    let complete = true;
    for (let k = 0; k < 3; k++) {
      const imported = imports[k]?.get(interval.at);
      const exported = exportPhases === undefined ? 0 : exportPhases[k]?.get(interval.at);
      if (imported === undefined || exported === undefined) complete = false;
      else phaseSum += imported - exported;
    }
    if (exportTotal !== undefined) {
      const exported = exportTotal.get(interval.at);
      if (exported === undefined) complete = false;
      else totalNet -= exported;
    }
    if (!complete) continue;
    const tolerance = Math.max(p.phaseSumAbsoluteToleranceWh, p.phaseSumRelativeTolerance * Math.abs(totalNet));
    const difference = phaseSum - totalNet;
    if (Math.abs(difference) > tolerance) {
      const what = exportTotal === undefined ? 'import' : 'net (import − export)';
      findings.push(suspect(interval, 'VEE-PHASE-SUM', `${what} energy of the phases sums to ${round(phaseSum)} Wh, the total `
        + `is ${round(totalNet)} Wh: ${round(difference)} Wh apart, at most ${round(tolerance)} Wh expected`));
    }
  }
  return findings;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
