// The built-in scenarios: one per situation the simulator, the demo and the tests need to show.
import { ValidationError } from '@phasewire/core';
import { nominalSystems } from './nominal-system.ts';
import type { Harmonic, Load, Metering, Scenario, ScenarioInfo } from './scenario.ts';

const eu = nominalSystems['230/400 V 50 Hz'];
const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;

/** A direct-connected meter with a basic current Ib of 10 A. */
const direct10: Metering = { ratedCurrent: 10 };

const motor = (current: number, powerFactor: number): Load => ({ kind: 'motor', phases: 'all', current, powerFactor });

/**
 * A bank of single-phase switch-mode power supplies (computers, LED drivers): a capacitor-input
 * rectifier draws a current pulse at each voltage peak, rich in odd harmonics that peak with the
 * voltage (the waveform IEC 61000-3-2's class D limits were written for). Current THD about 88 %;
 * the 3rd harmonics of the three phases are in phase and add in the neutral.
 */
const switchModeSpectrum: readonly Harmonic[] = [
  { order: 3, magnitude: 0.72, angleDeg: 8 },
  { order: 5, magnitude: 0.45, angleDeg: 16 },
  { order: 7, magnitude: 0.22, angleDeg: 30 },
  { order: 9, magnitude: 0.1, angleDeg: 45 },
  { order: 11, magnitude: 0.06, angleDeg: 60 },
];

/**
 * A six-pulse drive's input current: only the characteristic harmonics h = 6k ± 1 of a six-pulse
 * bridge, each below the 1/h of an ideal bridge because the DC-link choke smooths the current.
 */
const sixPulseSpectrum: readonly Harmonic[] = [
  { order: 5, magnitude: 0.25, angleDeg: 180 },
  { order: 7, magnitude: 0.12, angleDeg: 0 },
  { order: 11, magnitude: 0.07, angleDeg: 180 },
  { order: 13, magnitude: 0.05, angleDeg: 0 },
];

/** Background distortion of an LV network: mostly 5th and 7th, within IEC 61000-2-2 compatibility levels. */
const backgroundDistortion: readonly Harmonic[] = [
  { order: 3, magnitude: 0.008, angleDeg: 0 },
  { order: 5, magnitude: 0.025, angleDeg: 180 },
  { order: 7, magnitude: 0.015, angleDeg: 0 },
  { order: 11, magnitude: 0.005, angleDeg: 180 },
  { order: 13, magnitude: 0.004, angleDeg: 0 },
];

/** A commercial building's day (UTC hours 0..23): low at night, ramping up at 06:00, peak after noon. */
const commercialDay: readonly number[] = [
  0.3, 0.28, 0.27, 0.27, 0.28, 0.32, 0.45, 0.65, 0.85, 0.95, 1, 1,
  0.95, 0.97, 1, 0.98, 0.92, 0.8, 0.65, 0.5, 0.42, 0.38, 0.35, 0.32,
];

const balancedMotor: Scenario = {
  name: 'balanced-motor',
  description: 'Balanced motor load, 230 V, 10 A per phase, PF 0.9 lagging (P = 3 × 2070 W)',
  system: eu,
  metering: direct10,
  loads: [motor(10, 0.9)],
};

const definitions: readonly Scenario[] = [
  {
    name: 'balanced-resistive',
    description: 'Balanced resistive load (heating), 230 V, 10 A per phase, PF 1',
    system: eu,
    metering: direct10,
    loads: [{ kind: 'resistive', phases: 'all', current: 10 }],
  },
  balancedMotor,
  {
    name: 'nonlinear',
    description: 'Office: 8 A linear load plus 6 A of switch-mode supplies per phase on a distorted supply; triplens load the neutral',
    system: eu,
    metering: { ratedCurrent: 20 },
    supply: { harmonics: backgroundDistortion },
    loads: [motor(8, 0.95), { kind: 'nonlinear', phases: 'all', current: 6, powerFactor: 0.98, leading: true, harmonics:
      switchModeSpectrum }],
  },
  {
    name: 'single-phase-l2',
    description: 'Single-phase loads on L2 only, 10 A resistive and 6 A motor at PF 0.8 (15.2 A); L1 and L3 idle, the neutral carries L2',
    system: eu,
    metering: { ratedCurrent: 20 },
    loads: [{ kind: 'resistive', phases: 'L2', current: 10 }, { kind: 'motor', phases: 'L2', current: 6, powerFactor: 0.8 }],
  },
  {
    name: 'unbalanced',
    description:
      'Unbalanced supply (L2 4 % low, L3 1.5 % high, angles off by 2° and 1.5°): VUF 2.6 %, motor load via 200/5 A class 0.2 CTs',
    system: eu,
    metering: { ratedCurrent: 200, ct: { primary: 200, secondary: 5, accuracyClass: '0.2' } },
    supply: { magnitudes: [1, 0.96, 1.015], angleDeviationsDeg: [0, -2, 1.5] },
    loads: [motor(40, 0.88)],
  },
  {
    name: 'sag',
    description: 'Balanced motor load with a 30 % voltage sag on all phases, 5 s long, 20 s after start and every minute',
    system: eu,
    metering: direct10,
    loads: balancedMotor.loads,
    events: [{ kind: 'sag', phases: ['L1', 'L2', 'L3'], depth: 0.3, start: 20 * second, duration: 5 * second, every: minute }],
  },
  {
    name: 'swell',
    description: 'Balanced motor load with a 10 % swell on L1, 5 s long, 20 s after start and every minute',
    system: eu,
    metering: direct10,
    loads: balancedMotor.loads,
    events: [{ kind: 'swell', phases: ['L1'], depth: 0.1, start: 20 * second, duration: 5 * second, every: minute }],
  },
  {
    name: 'phase-loss',
    description: 'Balanced motor load; L3 is lost for 30 s, 30 s after start and every 5 minutes',
    system: eu,
    metering: direct10,
    loads: balancedMotor.loads,
    events: [{ kind: 'phase-loss', phase: 'L3', start: 30 * second, duration: 30 * second, every: 5 * minute }],
  },
  {
    name: 'reversed-ct',
    description: 'Balanced motor load with the L2 current sensor wired backwards: L2 power reads negative and exports',
    system: eu,
    metering: direct10,
    loads: balancedMotor.loads,
    events: [{ kind: 'reversed-ct', phase: 'L2', start: 0, duration: Number.POSITIVE_INFINITY }],
  },
  {
    name: 'frequency-drift',
    description: 'Balanced motor load; the frequency ramps down to 49.7 Hz over 10 s, holds 40 s and returns, every 2 minutes from 10 s',
    system: eu,
    metering: direct10,
    loads: balancedMotor.loads,
    events: [{ kind: 'frequency-drift', deltaHz: -0.3, start: 10 * second, duration: minute, rise: 10 * second, every: 2 * minute }],
  },
  {
    name: 'developing-imbalance',
    description: 'Motor load, 30 A via 100/5 A class 0.5 CTs; over 3 h L3 voltage sinks 8 % and L1 load grows 80 % (VUF 0 → 2.7 %)',
    system: eu,
    metering: { ratedCurrent: 100, ct: { primary: 100, secondary: 5, accuracyClass: '0.5' } },
    loads: [motor(30, 0.87)],
    events: [
      { kind: 'sag', phases: ['L3'], depth: 0.08, start: 0, duration: Number.POSITIVE_INFINITY, rise: 3 * hour },
      { kind: 'load-change', phases: ['L1'], change: 0.8, start: 0, duration: Number.POSITIVE_INFINITY, rise: 3 * hour },
    ],
  },
  {
    // The alarm scenario that clears: the developing imbalance above, held, then repaired. Short
    // dips on L3 (1.5 %, 10 of every 25 minutes) stand for a cycling single-phase load nearby: the
    // 15-minute values catch 0 to 10 minutes of a dip, so the unbalance jitters by up to 0.33 % VUF
    // from one interval to the next, which is what hysteresis and debounce are there to ride out.
    name: 'imbalance-recovery',
    description:
      'Motor load, 30 A via 100/5 A class 0.5 CTs; over 3 h L3 sinks 8 % and L1 load grows 80 % (VUF 0 → 2.7 %), holds 2 h, ' +
        'recovers over 3 h; L3 jitters',
    system: eu,
    metering: { ratedCurrent: 100, ct: { primary: 100, secondary: 5, accuracyClass: '0.5' } },
    loads: [motor(30, 0.87)],
    events: [
      { kind: 'sag', phases: ['L3'], depth: 0.08, start: 0, duration: 8 * hour, rise: 3 * hour },
      { kind: 'load-change', phases: ['L1'], change: 0.8, start: 0, duration: 8 * hour, rise: 3 * hour },
      { kind: 'sag', phases: ['L3'], depth: 0.015, start: 5 * minute, duration: 10 * minute, every: 25 * minute },
    ],
  },
  {
    name: 'us-208',
    description: '120/208 V 60 Hz: 40 A motor (PF 0.85) and 15 A resistive per phase via 100/5 A class 1 CTs',
    system: nominalSystems['120/208 V 60 Hz'],
    metering: { ratedCurrent: 100, ct: { primary: 100, secondary: 5, accuracyClass: '1' } },
    loads: [motor(40, 0.85), { kind: 'resistive', phases: 'all', current: 15 }],
  },
  {
    name: 'us-480',
    description: '277/480 V 60 Hz: 150 A motor (PF 0.88) and a 60 A six-pulse drive per phase via 400/5 A class 0.5 CTs',
    system: nominalSystems['277/480 V 60 Hz'],
    metering: { ratedCurrent: 400, ct: { primary: 400, secondary: 5, accuracyClass: '0.5' } },
    loads: [motor(150, 0.88), { kind: 'nonlinear', phases: 'all', current: 60, powerFactor: 0.97, harmonics: sixPulseSpectrum }],
  },
  {
    name: 'daily-profile',
    description: 'Commercial building: 20 A motor (PF 0.9) and 10 A resistive per phase following a daily shape (UTC), 27 % at night',
    system: eu,
    metering: { ratedCurrent: 40 },
    loads: [motor(20, 0.9), { kind: 'resistive', phases: 'all', current: 10 }],
    profile: commercialDay,
  },
];

const byName = new Map(definitions.map((s) => [s.name, s]));

/** The built-in scenarios: name, description and nominal system. */
export const scenarios: readonly ScenarioInfo[] = definitions.map(({ name, description, system }) => ({ name, description, system }));

/** The built-in scenario of that name; PW_ERR_UNKNOWN_SCENARIO lists the known names otherwise. */
export function findScenario(name: string): Scenario {
  const found = byName.get(name);
  if (found === undefined) {
    throw new ValidationError('PW_ERR_UNKNOWN_SCENARIO', `Unknown scenario ${JSON.stringify(name)}: expected one of ${definitions.map((s) =>
      s.name).join(', ')}`);
  }
  return found;
}
