// How the load's currents follow the supply at one instant, as a complex gain per phase on the
// circuit's currents (the scenario's loads at nominal voltage and full profile). A constant-impedance
// load scales with its phase's voltage and load factor (a real gain, u·load, what both engines have
// always applied); a reacting motor (motor.ts) gets its currents from the sequence components of
// the voltages; the load relay, open, takes every current away. The meter sits on the supply side
// of the relay: the voltages it measures stay.
import type { Circuit } from './circuit.ts';
import { divide, motorCurrents, type MotorRating } from './motor.ts';
import type { Scenario } from './scenario.ts';
import type { TimelineState } from './timeline.ts';

/** The relay as the load sees it (LoadRelay satisfies it). */
export interface RelayPosition {
  readonly state: 'open' | 'closed';
}

export class LoadGain {
  /** Whether the gain follows the voltage sample by sample (constant impedance) or is set per instant (a motor). */
  readonly perSample: boolean;
  readonly #circuit: Circuit;
  readonly #relay: RelayPosition | undefined;
  readonly #rating: MotorRating | undefined;
  readonly #vRe = new Float64Array(3);
  readonly #vIm = new Float64Array(3);
  readonly #iRe = new Float64Array(3);
  readonly #iIm = new Float64Array(3);

  constructor(scenario: Scenario, circuit: Circuit, relay: RelayPosition | undefined) {
    this.#circuit = circuit;
    this.#relay = relay;
    const load = scenario.loads[0];
    if (scenario.motor !== undefined && load !== undefined) {
      this.#rating = {
        phaseVoltage: scenario.system.phaseVoltage, ratedCurrent: load.current,
        displacement: Math.acos(load.powerFactor ?? 1), motor: scenario.motor,
      };
    }
    this.perSample = this.#rating === undefined;
  }

  /** Whether the relay lets current through. */
  get closed(): boolean {
    return this.#relay?.state !== 'open';
  }

  /** The gain of each phase (re, im) at the state `st`. */
  evaluate(st: TimelineState, re: Float64Array, im: Float64Array): void {
    im.fill(0);
    if (!this.closed) {
      re.fill(0);
      return;
    }
    const rating = this.#rating;
    if (rating === undefined) {
      for (let p = 0; p < 3; p++) re[p] = (st.voltage[p] ?? 0) * (st.load[p] ?? 0);
      return;
    }
    const circuit = this.#circuit;
    for (let p = 0; p < 3; p++) {
      const v = circuit.voltage[p]?.[0];
      const u = st.voltage[p] ?? 0;
      this.#vRe[p] = u * (v?.re ?? 0);
      this.#vIm[p] = u * (v?.im ?? 0);
    }
    // One shaft: the mechanical load is the mean of the phases' load factors.
    const load = ((st.load[0] ?? 0) + (st.load[1] ?? 0) + (st.load[2] ?? 0)) / 3;
    motorCurrents(rating, load, this.#vRe, this.#vIm, this.#iRe, this.#iIm);
    for (let p = 0; p < 3; p++) {
      const g = divide({ re: this.#iRe[p] ?? 0, im: this.#iIm[p] ?? 0 }, circuit.current[p]?.[0] ?? { re: 0, im: 0 });
      re[p] = g.re;
      im[p] = g.im;
    }
  }
}
