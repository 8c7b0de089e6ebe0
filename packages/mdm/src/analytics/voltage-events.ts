// Voltage dips (sags), swells and interruptions from a series of RMS voltages, with the thresholds
// and the polyphase rules of IEC 61000-4-30:2015:
//   §5.4.2.1 dip: begins when the RMS voltage of one or more channels falls below the dip threshold
//     (typically 90 % of the declared voltage Udin) and ends when every channel is at or above the
//     threshold plus the hysteresis (typically 2 % of Udin);
//   §5.4.2.2 swell: begins when one or more channels rise above the swell threshold (typically
//     110 %) and ends when every channel is at or below the threshold minus the hysteresis;
//   §5.5.2 interruption: begins when every channel falls below the interruption threshold (typically
//     5 %) and ends when any one channel is at or above the threshold plus the hysteresis.
// An interruption is also a dip: both are reported, as the standard evaluates them separately.
// The standard evaluates on RMS values refreshed every half cycle; given coarser values (10/12-cycle
// or interval values) the events are found at that resolution and a start or end is the time of the
// first value past the threshold.
import type { Phase, ThreePhase } from '@phasewire/core';
import { ValidationError } from '@phasewire/core';

export interface VoltageEventThresholds {
  /** Ratios of Udin. */
  readonly dip: number;
  readonly swell: number;
  readonly interruption: number;
  readonly hysteresis: number;
}

/** IEC 61000-4-30:2015 §5.4.2 and §5.5.2, the typical values. */
export const iec61000430Thresholds: VoltageEventThresholds = { dip: 0.9, swell: 1.1, interruption: 0.05, hysteresis: 0.02 };

export interface RmsSample {
  readonly at: number;
  readonly voltages: ThreePhase<number>;
}

export type VoltageEventKind = 'sag' | 'swell' | 'interruption';

export interface VoltageEvent {
  readonly kind: VoltageEventKind;
  readonly start: number;
  /** Time of the first sample after the event; null while it lasts at the end of the samples. */
  readonly end: number | null;
  readonly durationMs: number | null;
  /** Residual voltage (lowest RMS) of a sag or interruption, highest RMS of a swell, V. */
  readonly extreme: number;
  /** `extreme` as a ratio of Udin. */
  readonly extremeRatio: number;
  /** Phases that crossed the threshold during the event. */
  readonly phases: readonly Phase[];
}

const phaseNames: ThreePhase<Phase> = ['L1', 'L2', 'L3'];

interface Open {
  readonly start: number;
  extreme: number;
  readonly phases: Set<Phase>;
}

export function detectVoltageEvents(
  samples: readonly RmsSample[],
  declaredVoltage: number,
  thresholds: VoltageEventThresholds = iec61000430Thresholds,
): VoltageEvent[] {
  if (!(declaredVoltage > 0) || !(thresholds.hysteresis >= 0)
    || !(thresholds.interruption < thresholds.dip && thresholds.dip < 1 && thresholds.swell > 1)) {
    throw new ValidationError('PW_ERR_VEE_INPUT', `Cannot detect voltage events for Udin ${declaredVoltage} V with `
      + `thresholds ${JSON.stringify(thresholds)}: expected Udin > 0 and interruption < dip < 1 < swell, hysteresis ≥ 0`);
  }
  const u = declaredVoltage;
  const dipOn = thresholds.dip * u;
  const dipOff = (thresholds.dip + thresholds.hysteresis) * u;
  const swellOn = thresholds.swell * u;
  const swellOff = (thresholds.swell - thresholds.hysteresis) * u;
  const intOn = thresholds.interruption * u;
  const intOff = (thresholds.interruption + thresholds.hysteresis) * u;

  const events: VoltageEvent[] = [];
  const open = new Map<VoltageEventKind, Open>();
  const close = (kind: VoltageEventKind, end: number | null): void => {
    const event = open.get(kind);
    if (event === undefined) return;
    events.push({
      kind, start: event.start, end, durationMs: end === null ? null : end - event.start,
      extreme: event.extreme, extremeRatio: event.extreme / u, phases: phaseNames.filter((p) => event.phases.has(p)),
    });
    open.delete(kind);
  };
  const track = (kind: VoltageEventKind, at: number, voltages: ThreePhase<number>, crossed: (v: number) => boolean, low: boolean): void => {
    const event = open.get(kind) ?? { start: at, extreme: low ? Number.POSITIVE_INFINITY : 0, phases: new Set<Phase>() };
    open.set(kind, event);
    voltages.forEach((v, k) => {
      if (crossed(v)) event.phases.add(phaseNames[k] as Phase);
    });
    event.extreme = low ? Math.min(event.extreme, ...voltages) : Math.max(event.extreme, ...voltages);
  };

  const step = (
    kind: VoltageEventKind,
    at: number,
    voltages: ThreePhase<number>,
    begins: boolean,
    ends: boolean,
    crossed: (v: number) => boolean,
    low: boolean,
  ): void => {
    const active = open.has(kind);
    if (active ? !ends : begins) track(kind, at, voltages, crossed, low);
    else if (active) close(kind, at);
  };
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  for (const { at, voltages } of sorted) {
    step('sag', at, voltages, voltages.some((v) => v < dipOn), voltages.every((v) => v >= dipOff), (v) => v < dipOn, true);
    step('swell', at, voltages, voltages.some((v) => v > swellOn), voltages.every((v) => v <= swellOff), (v) => v > swellOn, false);
    step('interruption', at, voltages, voltages.every((v) => v < intOn), voltages.some((v) => v >= intOff), (v) => v < intOn, true);
  }
  close('sag', null);
  close('swell', null);
  close('interruption', null);
  return events.sort((a, b) => a.start - b.start || a.kind.localeCompare(b.kind));
}
