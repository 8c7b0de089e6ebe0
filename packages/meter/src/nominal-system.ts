// The nominal supply systems a simulated meter can sit on, and the measurement window that goes with
// each frequency.
import { hertz, volts, type Hertz, type Volts } from '@phasewire/core';

export type NominalSystemName = '230/400 V 50 Hz' | '120/208 V 60 Hz' | '277/480 V 60 Hz';

export interface NominalSystem {
  readonly name: NominalSystemName;
  /** Line-to-neutral RMS voltage. */
  readonly phaseVoltage: Volts;
  /** Line-to-line RMS voltage (√3 × the phase voltage). */
  readonly lineVoltage: Volts;
  readonly frequency: Hertz;
  /**
   * Cycles in one basic measurement window: IEC 61000-4-30 §4.4.1 sets it at 10 cycles on a 50 Hz
   * system and 12 on a 60 Hz system, both about 200 ms.
   */
  readonly windowCycles: number;
}

const system = (name: NominalSystemName, phase: number, frequency: number): NominalSystem => ({
  name,
  phaseVoltage: volts(phase),
  lineVoltage: volts(phase * Math.sqrt(3)),
  frequency: hertz(frequency),
  windowCycles: frequency === 50 ? 10 : 12,
});

/**
 * IEC 60038:2009 Table 1 (230/400 V, the European and IEC low-voltage system) and ANSI C84.1-2020
 * Table 1 (120/208 V and 277/480 V, the North American four-wire wye systems).
 */
export const nominalSystems: Readonly<Record<NominalSystemName, NominalSystem>> = {
  '230/400 V 50 Hz': system('230/400 V 50 Hz', 230, 50),
  '120/208 V 60 Hz': system('120/208 V 60 Hz', 120, 60),
  '277/480 V 60 Hz': system('277/480 V 60 Hz', 277, 60),
};
