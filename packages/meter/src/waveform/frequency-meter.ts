// Supply frequency from zero crossings, the method of IEC 61000-4-30 §5.1: whole cycles counted,
// divided by the time they took. A positive-going crossing is placed by linear interpolation
// between the two samples around it; a crossing closer than half a period to the previous one is
// noise chatter and is ignored. The reference is the phase with the highest voltage, so a lost
// phase does not stop the measurement; when the reference changes, counting restarts, because the
// phases' crossings are a third of a cycle apart.

export interface CycleCount {
  /** Whole cycles completed in the window. */
  cycles: number;
  /** Their total duration, ms. */
  span: number;
}

export class FrequencyMeter {
  #reference = -1;
  #lastCrossing = Number.NaN;
  #previousValue = Number.NaN;
  #previousTime = Number.NaN;

  /**
   * Scans one window of the reference channel for crossings and counts the cycles that ended in it.
   * @param reference index of the phase the samples come from
   * @param period the expected period, ms (crossings closer than half of it are ignored)
   */
  scan(reference: number, samples: Float64Array, times: Float64Array, period: number, out: CycleCount): CycleCount {
    out.cycles = 0;
    out.span = 0;
    if (reference !== this.#reference) {
      this.#reference = reference;
      this.#lastCrossing = Number.NaN;
      this.#previousValue = Number.NaN;
    }
    let before = this.#previousValue;
    let beforeTime = this.#previousTime;
    for (let j = 0; j < samples.length; j++) {
      const x = samples[j] ?? 0;
      const t = times[j] ?? 0;
      if (before < 0 && x >= 0) {
        const crossing = beforeTime + ((t - beforeTime) * -before) / (x - before);
        const since = crossing - this.#lastCrossing;
        if (Number.isNaN(since)) {
          this.#lastCrossing = crossing;
        } else if (since > period / 2) {
          out.cycles += 1;
          out.span += since;
          this.#lastCrossing = crossing;
        }
      }
      before = x;
      beforeTime = t;
    }
    this.#previousValue = before;
    this.#previousTime = beforeTime;
    return out;
  }
}
