// What a simulated meter measures: the supply, the loads behind the meter, how they vary over the
// day, and events with a start and a duration. A scenario is data; `validateScenario` is its trust
// boundary (a caller may build one by hand), the simulator trusts it afterwards.
import { ValidationError, type Phase } from '@phasewire/core';
import type { ReactingMotor } from './motor.ts';
import type { NominalSystem } from './nominal-system.ts';

/** One harmonic of a spectrum: order, magnitude as a ratio of the fundamental, and phase angle. */
export interface Harmonic {
  /** 2..40 (IEC 61000-4-7 measures up to order 40). */
  readonly order: number;
  /** RMS magnitude divided by the fundamental's. */
  readonly magnitude: number;
  /**
   * Degrees, on the harmonic's own time scale: the harmonic of phase Lx is
   * magnitude · X1 · cos(h·(ωt + θx) + angle), θx the phase's fundamental voltage angle. With every
   * angle 0 the harmonics peak with the voltage, as the current of a capacitor-input rectifier does;
   * the triplens of the three phases are then in phase and add in the neutral.
   */
  readonly angleDeg: number;
}

/**
 * A load: its current at nominal voltage, displacement power factor and harmonic spectrum. Loads
 * are constant-impedance: their current follows the voltage of their phase (a sag lowers it, a lost
 * phase stops it). `kind` states what the load is; `resistive` forces a power factor of 1.
 */
export interface Load {
  readonly kind: 'resistive' | 'motor' | 'nonlinear';
  /** A single phase, or 'all' for a balanced three-phase load. */
  readonly phases: Phase | 'all';
  /** Fundamental RMS current per phase at nominal voltage and full profile, A. */
  readonly current: number;
  /** Displacement power factor cos φ1 in (0, 1]; lagging (inductive) unless `leading`. */
  readonly powerFactor?: number;
  readonly leading?: boolean;
  readonly harmonics?: readonly Harmonic[];
}

/** The supply behind the meter: per-phase magnitude and angle deviations and background distortion. */
export interface Supply {
  /** Magnitude of each phase voltage as a ratio of nominal, L1..L3 (default 1). */
  readonly magnitudes?: readonly [number, number, number];
  /** Deviation of each phase angle from the ideal 0°, −120°, +120°, in degrees (default 0). */
  readonly angleDeviationsDeg?: readonly [number, number, number];
  /** Background voltage harmonics, the same on every phase (each on its own sequence). */
  readonly harmonics?: readonly Harmonic[];
  /** 'reversed': L2 and L3 swapped (L2 at +120°, L3 at −120°), a motor turns backwards. Default 'normal'. */
  readonly rotation?: 'normal' | 'reversed';
}

/**
 * When an event acts. Times are milliseconds after the meter's start. The effect ramps linearly from
 * nothing to full over `rise` (0 = a step), holds, and ramps back over `rise` before the end; a
 * `duration` of Infinity never ends. With `every`, the event repeats with that period.
 */
export interface EventTiming {
  readonly start: number;
  readonly duration: number;
  readonly rise?: number;
  readonly every?: number;
}

export type ScenarioEvent = EventTiming & (
  /** Voltage of the phases drops to (1 − depth) of its value (IEC 61000-4-30 §5.4: residual = 1 − depth). */
  | { readonly kind: 'sag'; readonly phases: readonly Phase[]; readonly depth: number }
  /** Voltage of the phases rises to (1 + depth) of its value. */
  | { readonly kind: 'swell'; readonly phases: readonly Phase[]; readonly depth: number }
  /** The phase is lost: its voltage and with it its current fall to zero. */
  | { readonly kind: 'phase-loss'; readonly phase: Phase }
  /** The phase's CT is connected the wrong way round: the meter sees its current reversed. */
  | { readonly kind: 'reversed-ct'; readonly phase: Phase }
  /** The supply frequency moves by deltaHz. */
  | { readonly kind: 'frequency-drift'; readonly deltaHz: number }
  /** The loads on the phases grow by `change` (0.5 = +50 %, −0.5 = half). */
  | { readonly kind: 'load-change'; readonly phases: readonly Phase[]; readonly change: number }
);

/** Accuracy classes of measuring current transformers (IEC 61869-2:2012 §5.6.201.2). */
export type CtAccuracyClass = 'ideal' | '0.2' | '0.5' | '1';

/** How the meter is connected: direct (whole current) or through current transformers. */
export interface Metering {
  /**
   * Rated current of the meter, A: the basic current Ib of a direct meter or the CT's rated primary
   * current. Sets the noise floor and the starting current.
   */
  readonly ratedCurrent: number;
  /** Current transformers, e.g. 200/5 A class 0.5; absent for a direct-connected meter. */
  readonly ct?: { readonly primary: number; readonly secondary: number; readonly accuracyClass: CtAccuracyClass };
}

export interface ScenarioInfo {
  readonly name: string;
  readonly description: string;
  readonly system: NominalSystem;
}

export interface Scenario extends ScenarioInfo {
  readonly metering: Metering;
  readonly supply?: Supply;
  readonly loads: readonly Load[];
  /**
   * Daily load shape: 24 multipliers at each whole UTC hour, joined linearly in between (a
   * commercial site: low at night, high in the afternoon). Absent: a flat 1.
   */
  readonly profile?: readonly number[];
  readonly events?: readonly ScenarioEvent[];
  /**
   * Standard deviation of the sampling noise in waveform mode, as a ratio of nominal voltage and of
   * rated current (default 1e-4). Phasor mode computes the noise-free expectation.
   */
  readonly noise?: number;
  /**
   * The load is one induction motor that reacts to the supply (motor.ts): its currents follow the
   * sequence components of the voltages, and single phasing. Needs exactly one load, a three-phase motor.
   */
  readonly motor?: ReactingMotor;
}

const phaseNames: readonly string[] = ['L1', 'L2', 'L3'];

/** Checks a scenario built outside the registry; throws PW_ERR_INVALID_SCENARIO naming the field. */
export function validateScenario(scenario: Scenario): Scenario {
  const fail = (field: string, found: unknown, expected: string): never => {
    throw new ValidationError('PW_ERR_INVALID_SCENARIO', `Cannot simulate scenario ${JSON.stringify(scenario.name)}: ${field} is ${String(
      found)}, expected ${expected}`);
  };
  const finite = (field: string, x: number, low: number, high: number): void => {
    if (!Number.isFinite(x) || x < low || x > high) fail(field, x, `a number from ${low} to ${high}`);
  };
  const harmonics = (field: string, list: readonly Harmonic[] | undefined): void => {
    list?.forEach((h, i) => {
      if (!Number.isInteger(h.order) || h.order < 2 || h.order > 40) fail(`${field}[${i}].order`, h.order, 'an integer from 2 to 40');
      finite(`${field}[${i}].magnitude`, h.magnitude, 0, 10);
      finite(`${field}[${i}].angleDeg`, h.angleDeg, -360, 360);
    });
  };
  const { system } = scenario;
  finite('system.phaseVoltage', system.phaseVoltage, 1, 1e5);
  finite('system.frequency', system.frequency, 40, 70);
  if (!Number.isInteger(system.windowCycles) || system.windowCycles < 1 || system.windowCycles > 100) fail('system.windowCycles', system
    .windowCycles, 'a whole number of cycles from 1 to 100');
  finite('metering.ratedCurrent', scenario.metering.ratedCurrent, 1e-3, 1e5);
  const ct = scenario.metering.ct;
  if (ct !== undefined) {
    finite('metering.ct.primary', ct.primary, 1e-3, 1e5);
    finite('metering.ct.secondary', ct.secondary, 1e-3, 100);
  }
  scenario.supply?.magnitudes?.forEach((m, i) => { finite(`supply.magnitudes[${i}]`, m, 0, 2); });
  scenario.supply?.angleDeviationsDeg?.forEach((a, i) => { finite(`supply.angleDeviationsDeg[${i}]`, a, -60, 60); });
  harmonics('supply.harmonics', scenario.supply?.harmonics);
  if (scenario.loads.length === 0) fail('loads', '[]', 'at least one load');
  scenario.loads.forEach((load, i) => {
    if (load.phases !== 'all' && !phaseNames.includes(load.phases)) fail(`loads[${i}].phases`, load.phases, "'L1', 'L2', 'L3' or 'all'");
    finite(`loads[${i}].current`, load.current, 0, 1e5);
    if (load.powerFactor !== undefined && !(load.powerFactor > 0 && load.powerFactor <= 1)) fail(`loads[${i}].powerFactor`, load
      .powerFactor, 'a number in (0, 1]');
    harmonics(`loads[${i}].harmonics`, load.harmonics);
  });
  if (scenario.profile !== undefined) {
    if (scenario.profile.length !== 24) fail('profile', `${scenario.profile.length} values`, '24 hourly values');
    scenario.profile.forEach((m, i) => { finite(`profile[${i}]`, m, 0, 10); });
  }
  if (scenario.noise !== undefined) finite('noise', scenario.noise, 0, 0.01);
  const rotation: string | undefined = scenario.supply?.rotation;
  if (rotation !== undefined && !['normal', 'reversed'].includes(rotation)) fail('supply.rotation', rotation, "'normal' or 'reversed'");
  if (scenario.motor !== undefined) {
    const [only] = scenario.loads;
    if (scenario.loads.length !== 1 || only?.kind !== 'motor' || only.phases !== 'all') {
      fail('loads', JSON.stringify(scenario.loads.map((l) => `${l.kind} on ${l.phases}`)), 'one three-phase motor, for a reacting motor');
    }
    finite('motor.lockedRotorRatio', scenario.motor.lockedRotorRatio, 2, 12);
    finite('motor.lockedRotorPowerFactor', scenario.motor.lockedRotorPowerFactor, 0.05, 1);
  }
  const phaseList = (field: string, phases: readonly string[]): void => {
    if (phases.length === 0 || !phases.every((p) => phaseNames.includes(p))) fail(field, JSON.stringify(phases),
      "a non-empty list of 'L1', 'L2', 'L3'");
  };
  scenario.events?.forEach((event, i) => {
    const field = `events[${i}]`;
    finite(`${field}.start`, event.start, 0, Number.MAX_SAFE_INTEGER);
    if (!(event.duration > 0)) fail(`${field}.duration`, event.duration, 'a positive number of milliseconds or Infinity');
    const rise = event.rise ?? 0;
    if (!(rise >= 0) || (Number.isFinite(event.duration) && 2 * rise > event.duration)) fail(`${field}.rise`, rise,
      'a non-negative time at most half the duration');
    if (event.every !== undefined && !(Number.isFinite(event.every) && event.every >= event.duration)) fail(`${field}.every`, event.every,
      'a finite period no shorter than the duration');
    switch (event.kind) {
      case 'sag':
      case 'swell':
        phaseList(`${field}.phases`, event.phases);
        finite(`${field}.depth`, event.depth, 0, 1);
        break;
      case 'load-change':
        phaseList(`${field}.phases`, event.phases);
        finite(`${field}.change`, event.change, -1, 10);
        break;
      case 'frequency-drift':
        finite(`${field}.deltaHz`, event.deltaHz, -5, 5);
        break;
      case 'reversed-ct':
        phaseList(`${field}.phase`, [event.phase]);
        if (rise !== 0) fail(`${field}.rise`, rise, '0: a CT is reversed or it is not');
        break;
      case 'phase-loss':
        phaseList(`${field}.phase`, [event.phase]);
        break;
    }
  });
  return scenario;
}
