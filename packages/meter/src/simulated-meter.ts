// A simulated three-phase meter: a scenario, measured either by sampling its VT/CT signals
// (waveform mode) or in closed form from its phasors (phasor mode), reported as snapshots of every
// catalogue quantity. Deterministic: the seed fixes the CT errors and the sampling noise.
import { SeededRandom, ValidationError, type MeterId, type Snapshot } from '@phasewire/core';
import { buildCircuit, type Circuit } from './circuit.ts';
import { CurrentTransformer } from './current-transformer.ts';
import { EnergyRegisters } from './energy-registers.ts';
import { IntervalAggregator } from './interval-aggregator.ts';
import { startingCurrentRatio, voltageCutoffRatio } from './measurement.ts';
import { LoadGain, type RelayPosition } from './load-gain.ts';
import { PhasorEngine, type MeasurementObserver, type MeterParts } from './phasor-engine.ts';
import { registerValues, restoreRegisters, writeRegisters, type EnergyRegisterKey, type RegisterValues } from './register-values.ts';
import { validateScenario, type CtAccuracyClass, type Scenario, type ScenarioInfo } from './scenario.ts';
import { findScenario } from './scenarios.ts';
import { Timeline } from './timeline.ts';
import { toValueMap, valueCount } from './value-layout.ts';
import { WaveformEngine } from './waveform-engine.ts';

export type MeterMode = 'waveform' | 'phasor';

export interface SimulatedMeterOptions {
  readonly meter: MeterId;
  /** A built-in scenario's name, or a scenario object. */
  readonly scenario: Scenario | string;
  readonly mode: MeterMode;
  /** Fixes the CT errors and the noise: the same seed gives the same readings. */
  readonly seed: number;
  /** Epoch ms at which the simulation starts (registers at zero). */
  readonly start: number;
  /** Waveform mode: samples per cycle, 16 to 1024 (default 64). */
  readonly samplesPerCycle?: number;
  /** Demand block length, ms (default 15 minutes); blocks are aligned to the epoch. */
  readonly demandIntervalMs?: number;
  /**
   * Where the energy registers stand at `start` (Wh, varh by key; absent: zero, a new meter). A
   * restarted meter carries its energy on: finite, non-negative values only.
   */
  readonly registers?: Partial<Record<EnergyRegisterKey, number>>;
  /** The load relay between the meter and the load: open, the load draws nothing (the voltages stay). */
  readonly relay?: RelayPosition;
  /** Sees every measurement as it is made, on the meter's time (ms after `start`): local protection. */
  readonly observer?: MeasurementObserver;
}

export interface TransformerState {
  readonly accuracyClass: CtAccuracyClass;
  /** Nominal ratio Kn (1 for a direct meter). */
  readonly ratio: number;
  /** The share of its class's error bounds this CT uses (IEC 61869-2 Table 201), drawn from the seed. */
  readonly ratioFraction: number;
  readonly phaseFraction: number;
}

export interface MeterState {
  readonly meter: MeterId;
  readonly scenario: string;
  readonly mode: MeterMode;
  /** Epoch ms up to which the meter has been simulated. */
  readonly time: number;
  /** Cycles per measurement window (10 at 50 Hz, 12 at 60 Hz). */
  readonly windowCycles: number;
  /** Waveform mode only: samples per cycle, windows measured so far and the sampler's locked frequency. */
  readonly samplesPerCycle?: number;
  readonly windows?: number;
  readonly lockedFrequency?: number;
  readonly transformers: readonly [TransformerState, TransformerState, TransformerState];
}

export interface SimulatedMeter {
  readonly meter: MeterId;
  readonly scenario: ScenarioInfo;
  readonly mode: MeterMode;
  /**
   * Simulates from the previous call (or the start) to `time`, integrating the registers over all of
   * it, and returns the snapshot of that interval: instantaneous quantities aggregated over it,
   * registers and demand as at `time`. `time` may equal the previous one, never precede it.
   */
  advanceTo(time: number): Snapshot;
  /** Energy registers (Wh, varh) and demand (W) as at the last `advanceTo`. */
  registers(): RegisterValues;
  state(): MeterState;
}

const defaultSamplesPerCycle = 64;
const defaultDemandInterval = 15 * 60_000;
/** Sampling noise, ratio of nominal voltage and rated current, when the scenario names none. */
const defaultNoise = 1e-4;

/** Circuits are immutable and depend on the scenario alone: a fleet shares one per scenario. */
const circuits = new WeakMap<Scenario, Circuit>();

function circuitOf(scenario: Scenario): Circuit {
  let circuit = circuits.get(scenario);
  if (circuit === undefined) {
    circuit = buildCircuit(scenario);
    circuits.set(scenario, circuit);
  }
  return circuit;
}

function invalid(message: string): never {
  throw new ValidationError('PW_ERR_INVALID_ARGUMENT', message);
}

/** The model the simulated meter goes by in the head-end's registry (the demo's meters and `meter run`). */
export const simulatedMeterModel = 'pw-sim-3p';

export function createSimulatedMeter(options: SimulatedMeterOptions): SimulatedMeter {
  const scenario = typeof options.scenario === 'string' ? findScenario(options.scenario) : validateScenario(options.scenario);
  const { meter, mode, seed, start } = options;
  if (!Number.isFinite(start)) invalid(`Cannot start meter ${meter} at ${start}: expected a finite epoch time in ms`);
  if (!Number.isFinite(seed)) invalid(`Cannot seed meter ${meter} with ${seed}: expected a finite number`);
  const samplesPerCycle = options.samplesPerCycle ?? defaultSamplesPerCycle;
  const demandInterval = options.demandIntervalMs ?? defaultDemandInterval;
  if (!Number.isInteger(demandInterval) || demandInterval < 1000 || demandInterval > 86_400_000) {
    invalid(`Cannot use a demand interval of ${demandInterval} ms for meter ${meter}: expected a whole number of ms from 1 s to 1 day`);
  }
  const circuit = circuitOf(scenario);
  const highest = Math.max(...circuit.orders);
  if (mode === 'waveform' && (!Number.isInteger(samplesPerCycle) || samplesPerCycle < 16 || samplesPerCycle > 1024 || samplesPerCycle <= 2 *
    highest)) {
    invalid(`Cannot sample scenario ${scenario
      .name} at ${samplesPerCycle} samples per cycle: expected a whole number from 16 to 1024 and above ${2 *
      highest}, twice its highest harmonic (order ${highest})`);
  }

  const random = new SeededRandom(seed);
  const ctRandom = random.fork();
  const { ratedCurrent, ct } = scenario.metering;
  const transformer = (): CurrentTransformer => new CurrentTransformer(ct?.accuracyClass ?? 'ideal', ct?.primary ?? 1, ct?.secondary ?? 1,
    ctRandom);
  const transformers = [transformer(), transformer(), transformer()] as const;
  const timeline = new Timeline(scenario, start);
  const aggregator = new IntervalAggregator(scenario.system.frequency);
  const registers = new EnergyRegisters(start, demandInterval);
  for (const [key, value] of Object.entries(options.registers ?? {})) {
    if (!(Number.isFinite(value) && value >= 0)) invalid(
      `Cannot start meter ${meter} with register ${key} at ${value}: expected a finite, non-negative Wh or varh`);
  }
  restoreRegisters(registers, options.registers ?? {});
  if (options.observer !== undefined && !(options.observer.periodMs >= 1 && options.observer.periodMs <= 60_000)) {
    invalid(`Cannot observe meter ${meter} every ${options.observer.periodMs} ms: expected 1 ms to 1 minute`);
  }
  const parts: MeterParts = {
    circuit, timeline, transformers, registers, aggregator, gain: new LoadGain(scenario, circuit, options.relay),
    ...(options.observer === undefined ? {} : { observer: options.observer }),
    cutoffs: {
      voltage: voltageCutoffRatio * scenario.system.phaseVoltage,
      current: (ct === undefined ? startingCurrentRatio.direct : startingCurrentRatio.transformer) * ratedCurrent,
    },
  };
  const noise = scenario.noise ?? defaultNoise;
  const engine = mode === 'phasor' ? new PhasorEngine(parts) : new WaveformEngine(parts, {
    samplesPerCycle, cycles: scenario.system.windowCycles, nominalFrequency: scenario.system.frequency,
    voltageNoise: noise * scenario.system.phaseVoltage, currentNoise: (noise * ratedCurrent) / transformers[0].ratio,
    random: random.fork(),
  });
  const values = new Float64Array(valueCount);
  let last = 0;
  const info: ScenarioInfo = { name: scenario.name, description: scenario.description, system: scenario.system };

  return {
    meter,
    scenario: info,
    mode,
    advanceTo(time: number): Snapshot {
      const at = time - start;
      if (!Number.isFinite(time)) invalid(`Cannot advance meter ${meter} to ${time}: expected a finite epoch time in ms`);
      if (at < last) {
        invalid(`Cannot advance meter ${meter} to ${time}: it has already been simulated to ${start + last}; expected a time no earlier`);
      }
      aggregator.reset();
      if (engine instanceof PhasorEngine) {
        if (at > last) engine.advance(last, at);
        else engine.instant(at);
      } else {
        if (at > last) engine.advance(last, at);
        if (aggregator.empty) engine.fillEmptyInterval(at);
      }
      last = at;
      aggregator.write(values);
      writeRegisters(registers, values);
      return { meter, at: time, values: toValueMap(values) };
    },
    registers: () => registerValues(registers),
    state(): MeterState {
      const tf = (t: CurrentTransformer): TransformerState => ({
        accuracyClass: t.accuracyClass, ratio: t.ratio, ratioFraction: t.ratioFraction, phaseFraction: t.phaseFraction,
      });
      return {
        meter, scenario: scenario.name, mode, time: start + last, windowCycles: scenario.system.windowCycles,
        ...(engine instanceof WaveformEngine ? { samplesPerCycle, windows: engine.windows, lockedFrequency: engine.lockedFrequency } : {}),
        transformers: [tf(transformers[0]), tf(transformers[1]), tf(transformers[2])],
      };
    },
  };
}
