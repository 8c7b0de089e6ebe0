// VEE-VOLTAGE-RANGE: phase voltages outside Udin ± 10 % (EN 50160:2010 §4.2.2.2, supply voltage
// variations on low-voltage networks). The value is a true measurement of a poor supply, so the rule
// only flags it: quality is unchanged, the finding feeds the power-quality report and the alarms.
import { Q, type Snapshot } from '@phasewire/core';
import type { Finding, MeterMetadata } from '../types.ts';

/** EN 50160:2010 §4.2.2.2: Un ± 10 % for low-voltage supply. */
export const en50160VoltageBand = 0.1;

const phaseVoltages = [Q.voltageL1, Q.voltageL2, Q.voltageL3] as const;

export function checkVoltageRange(snapshots: readonly Snapshot[], meta: MeterMetadata, band = en50160VoltageBand): Finding[] {
  const low = meta.nominalVoltage * (1 - band);
  const high = meta.nominalVoltage * (1 + band);
  const findings: Finding[] = [];
  for (const snapshot of snapshots) {
    const outside: string[] = [];
    phaseVoltages.forEach((code, k) => {
      const v = snapshot.values.get(code);
      if (v !== undefined && (v < low || v > high)) outside.push(`L${k + 1} ${v} V`);
    });
    if (outside.length > 0) {
      findings.push({ rule: 'VEE-VOLTAGE-RANGE', at: snapshot.at, action: 'flag',
        reason: `${outside.join(', ')} outside ${round(low)} to ${round(high)} V (Udin ${meta.nominalVoltage} V ± ${band * 100} `
        + `%, EN 50160 §4.2.2.2)` });
    }
  }
  return findings;
}

const round = (x: number): number => Math.round(x * 100) / 100;
