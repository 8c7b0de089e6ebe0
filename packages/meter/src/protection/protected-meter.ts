// A simulated meter with local protection: every measurement of the sensing layer (each 10/12-cycle
// window in waveform mode, each window-long step in phasor mode) goes to the protection functions as
// it is made, and a trip opens the load relay at once, so the motor behind it stops from the next
// window on. What the meter agent runs, and what the scenario tests and the benchmark drive.
import type { ProtectionSettings } from '@phasewire/core/protocol';
import { LoadRelay } from '../load-relay.ts';
import type { Measurement } from '../measurement.ts';
import { createSimulatedMeter, type SimulatedMeter, type SimulatedMeterOptions } from '../simulated-meter.ts';
import { findScenario } from '../scenarios.ts';
import { inputFromMeasurement, newProtectionInput } from './protection-input.ts';
import { Protection, type TripRecord } from './protection.ts';
import { RelayControl, type RelayControlState } from './relay-control.ts';

export interface ProtectedMeterOptions extends Omit<SimulatedMeterOptions, 'relay' | 'observer'> {
  readonly settings: ProtectionSettings;
  /** The relay as it was (a restarted agent). */
  readonly relayState?: Partial<RelayControlState>;
  /** Called at a trip, with the record (epoch ms), after the relay opened. */
  readonly onTrip?: (record: TripRecord) => void;
}

export interface ProtectedMeter {
  readonly meter: SimulatedMeter;
  readonly relay: LoadRelay;
  readonly control: RelayControl;
  readonly protection: Protection;
  /** Measurements judged so far. */
  readonly evaluations: number;
}

export function createProtectedMeter(options: ProtectedMeterOptions): ProtectedMeter {
  const relay = new LoadRelay();
  const protection = new Protection(options.settings, relay);
  const control = new RelayControl(relay, () => protection.closeBlockedBy(), options.relayState ?? {});
  const input = newProtectionInput();
  const scenario = typeof options.scenario === 'string' ? findScenario(options.scenario) : options.scenario;
  const windowMs = (1000 * scenario.system.windowCycles) / scenario.system.frequency;
  let evaluations = 0;
  const meter = createSimulatedMeter({
    ...options, relay,
    observer: {
      periodMs: windowMs,
      observe: (t: number, m: Measurement): void => {
        evaluations++;
        const trip = protection.evaluate(options.start + t, inputFromMeasurement(m, input));
        if (trip === undefined) return;
        control.tripped(trip.fn);
        options.onTrip?.(trip);
      },
    },
  });
  return {
    meter, relay, control, protection,
    get evaluations() { return evaluations; },
  };
}
