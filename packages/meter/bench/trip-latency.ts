// Trip latency per protection function, in simulated time (docs/protection.md, "When protection
// looks"): from the sample that crosses the limit (the event's start in the scenario) to the relay
// opening, against the function's configured delay. Each case runs with only its function enabled,
// so the figure is that function's own, not the first of several to trip.
import { parseMeterId } from '@phasewire/core';
import { defaultProtectionSettings, parseLoadLimit, type ProtectionSettings } from '@phasewire/core/protocol';
import { createProtectedMeter, defaultReactingMotor, findScenario, type Scenario, type TripRecord } from '@phasewire/meter';

const start = Date.UTC(2026, 0, 1, 9);
const second = 1000;
const crossing = 10 * second;
const forever = Number.POSITIVE_INFINITY;
const motor: Scenario = { ...findScenario('balanced-motor'), name: 'latency-motor', motor: defaultReactingMotor };
const functions = ['phaseLoss', 'undervoltage', 'overvoltage', 'voltageUnbalance', 'phaseSequence', 'currentUnbalance', 'overcurrent',
  'neutralOvercurrent'] as const;

/** The default settings with only `only` enabled (and its own changes). */
function only(name: (typeof functions)[number], changes: Record<string, unknown> = {}): ProtectionSettings {
  const off = Object.fromEntries(functions.map((fn) => [fn, { ...defaultProtectionSettings[fn], enabled: fn === name }]));
  const own = { ...off[name], ...changes };
  return { ...defaultProtectionSettings, ...off, [name]: own };
}

export interface LatencyCase {
  readonly fn: string;
  readonly settings: ProtectionSettings;
  readonly scenario: Scenario;
  /** The configured delay (the curve's time for an inverse-time element), ms. */
  readonly delayMs: number;
  readonly loadLimit?: boolean;
}

const events = (...list: NonNullable<Scenario['events']>[number][]): Scenario => ({ ...motor, name: 'latency-case', events: list });

/** One step at 10 s per function, past its threshold with a margin. */
export const latencyCases: readonly LatencyCase[] = [
  { fn: 'phase-loss', settings: only('phaseLoss'), delayMs: 500,
    scenario: events({ kind: 'phase-loss', phase: 'L3', start: crossing, duration: forever }) },
  { fn: 'undervoltage', settings: only('undervoltage'), delayMs: 3000,
    scenario: events({ kind: 'sag', phases: ['L1', 'L2', 'L3'], depth: 0.2, start: crossing, duration: forever }) },
  { fn: 'overvoltage', settings: only('overvoltage'), delayMs: 3000,
    scenario: events({ kind: 'swell', phases: ['L1'], depth: 0.15, start: crossing, duration: forever }) },
  { fn: 'voltage-unbalance', settings: only('voltageUnbalance'), delayMs: 10_000,
    scenario: events({ kind: 'sag', phases: ['L3'], depth: 0.15, start: crossing, duration: forever }) },
  { fn: 'phase-sequence', settings: only('phaseSequence'), delayMs: 500,
    scenario: { ...events(), supply: { ...motor.supply, rotation: 'reversed' } } },
  { fn: 'current-unbalance', settings: only('currentUnbalance', { singlePhasingDelayMs: 86_400_000 }), delayMs: 5000,
    scenario: events({ kind: 'sag', phases: ['L3'], depth: 0.2, start: crossing, duration: forever }) },
  { fn: 'single-phasing', settings: only('currentUnbalance', { delayMs: 86_400_000 }), delayMs: 1000,
    scenario: events({ kind: 'phase-loss', phase: 'L3', start: crossing, duration: forever }) },
  { fn: 'overcurrent', settings: only('overcurrent'), delayMs: 1000 * 80 / ((2 / 1.2) ** 2 - 1),
    scenario: events({ kind: 'load-change', phases: ['L1', 'L2', 'L3'], change: 1, start: crossing, duration: forever }) },
  { fn: 'load-limit', settings: only('phaseLoss', { enabled: false }), delayMs: 5000, loadLimit: true,
    scenario: events({ kind: 'load-change', phases: ['L1', 'L2', 'L3'], change: 0.5, start: crossing, duration: forever }) },
];

/** Trip time from the crossing, simulated ms, in `mode`; throws when the function did not trip. */
export function tripLatency(c: LatencyCase, mode: 'phasor' | 'waveform'): number {
  const trips: TripRecord[] = [];
  const pm = createProtectedMeter({
    meter: parseMeterId('bench-latency'), scenario: c.scenario, mode, seed: 1, start, settings: c.settings,
    onTrip: (trip) => trips.push(trip),
  });
  // The load limit: 12 A on the 10 A motor, which the step to 15 A crosses.
  if (c.loadLimit === true) pm.protection.setLoadLimit(parseLoadLimit({ version: 1, current: 12, delayMs: c.delayMs }));
  const crossesAt = c.fn === 'phase-sequence' ? 0 : crossing;
  const until = crossesAt + c.delayMs + 5 * second;
  for (let t = second; t <= until && trips.length === 0; t += second) pm.meter.advanceTo(start + t);
  const trip = trips[0];
  if (trip?.fn !== c.fn) throw new Error(`no ${c.fn} trip in ${mode} mode (${trip?.fn ?? 'none'})`);
  // To the µs: a curve's time in float ms leaves picoseconds of rounding.
  return Math.round((trip.at - start - crossesAt) * 1000) / 1000;
}
