// The power-quality summary of a meter from its latest values alone, for when the MDM's summary
// is not wired in: the three unbalance figures (each labelled with its standard, in percent),
// negative-sequence current unbalance, neutral current, power factor and THD per phase. Voltage
// events and EN 50160 need history and stay empty. A figure whose inputs are missing is null.
import { currentUnbalance, lvur, mapPhases, polarDeg, pvur, Q, vuf, vufFromLineMagnitudes } from '@phasewire/core';
import type { ThreePhase } from '@phasewire/core';
import { powerQualityUnits, type PowerQuality } from './dto.ts';

type Values = ReadonlyMap<string, number>;

const three = (values: Values, codes: readonly [string, string, string]): ThreePhase<number> | null => {
  const [a, b, c] = codes.map((code) => values.get(code));
  return a === undefined || b === undefined || c === undefined ? null : [a, b, c];
};
const percent = (ratio: number): number | null => (Number.isFinite(ratio) ? ratio * 100 : null);

/** VUF (IEC 61000-4-30) in percent from phase voltage magnitudes and angles, else from line magnitudes. */
export function vufPercentOf(values: Values): number | null {
  const magnitudes = three(values, [Q.voltageL1, Q.voltageL2, Q.voltageL3]);
  const angle2 = values.get(Q.angleVoltageL2);
  const angle3 = values.get(Q.angleVoltageL3);
  // The catalogue gives how far U L2 and U L3 lag U L1, so their phasors turn back by that angle.
  if (magnitudes !== null && angle2 !== undefined && angle3 !== undefined) {
    return percent(vuf([polarDeg(magnitudes[0], 0), polarDeg(magnitudes[1], -angle2), polarDeg(magnitudes[2], -angle3)]).value);
  }
  const lines = three(values, [Q.voltageL1L2, Q.voltageL2L3, Q.voltageL3L1]);
  return lines === null ? null : percent(vufFromLineMagnitudes(lines).value);
}

export function latestPowerQuality(values: Values): PowerQuality {
  const phases = three(values, [Q.voltageL1, Q.voltageL2, Q.voltageL3]);
  const lines = three(values, [Q.voltageL1L2, Q.voltageL2L3, Q.voltageL3L1]);
  const currents = three(values, [Q.currentL1, Q.currentL2, Q.currentL3]);
  const currentAngles = three(values, [Q.angleCurrentL1, Q.angleCurrentL2, Q.angleCurrentL3]);
  const voltageAngles: ThreePhase<number> = [0, values.get(Q.angleVoltageL2) ?? 120, values.get(Q.angleVoltageL3) ?? 240];
  let currentFigure: number | null = null;
  if (currents !== null && currentAngles !== null && values.has(Q.angleVoltageL2) && values.has(Q.angleVoltageL3)) {
    // Each current lags its own phase voltage by its angle, and that voltage lags U L1.
    const phasors = mapPhases(currents, (i, k) => polarDeg(i, -(voltageAngles[k] + currentAngles[k])));
    currentFigure = percent(currentUnbalance(phasors).negativeSequence);
  }
  const get = (code: string): number | null => values.get(code) ?? null;
  return {
    unbalance: {
      vuf: { value: vufPercentOf(values), unit: '%', standard: 'IEC 61000-4-30 VUF' },
      lvur: { value: lines === null ? null : percent(lvur(lines).value), unit: '%', standard: 'NEMA MG 1 LVUR' },
      pvur: { value: phases === null ? null : percent(pvur(phases).value), unit: '%', standard: 'IEEE 112 PVUR' },
    },
    currentUnbalance: currentFigure,
    neutralCurrent: get(Q.currentNeutral),
    powerFactor: { l1: get(Q.powerFactorL1), l2: get(Q.powerFactorL2), l3: get(Q.powerFactorL3) },
    thd: {
      voltageL1: get(Q.voltageThdL1), voltageL2: get(Q.voltageThdL2), voltageL3: get(Q.voltageThdL3),
      currentL1: get(Q.currentThdL1), currentL2: get(Q.currentThdL2), currentL3: get(Q.currentThdL3),
    },
    events: [],
    units: powerQualityUnits,
    en50160: null,
  };
}
