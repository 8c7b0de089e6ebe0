// Four-quadrant energy registers and block demand.
//
// Quadrants after IEC 62053-23 Fig. 1 (consumer reference, as the catalogue's header states): active
// energy is imported while P ≥ 0 and exported while P < 0; reactive import (+R) is QI+QII (Q ≥ 0),
// reactive export (−R) QIII+QIV. Each phase has its own import/export registers on the sign of its
// own power; the totals register on the sign of the sum of the phases, as a three-phase meter in
// its usual summation mode does, so a reversed CT on one phase of three exports on that phase's
// register while the total still imports. The per-quadrant registers follow the total (P, Q).
//
// Demand after the Demand register of DLMS UA 1000-1 (Blue Book, class_id 5), in fixed blocks
// aligned to the epoch: the current average is the import energy since the block began divided by
// the block length (it rises through the block and equals the block's mean power at its end); the
// maximum demand is the largest block mean since the meter started.
import { quadrantOf } from '@phasewire/core';

/** W·ms → Wh. */
const msPerHour = 3_600_000;

export class EnergyRegisters {
  /** Wh, L1, L2, L3, total. */
  readonly activeImport = new Float64Array(4);
  readonly activeExport = new Float64Array(4);
  /** varh, L1, L2, L3, total. */
  readonly reactiveImport = new Float64Array(4);
  readonly reactiveExport = new Float64Array(4);
  /** varh, QI..QIV of the totals. */
  readonly quadrant = new Float64Array(4);
  readonly demandPeriod: number;
  /** End of the current demand block, ms after the meter's start. */
  #blockEnd: number;
  /** Import energy (Wh) in the current demand block. */
  #blockImport = 0;
  #maxDemand = 0;

  /**
   * @param start the meter's start, epoch ms (blocks are aligned to the epoch)
   * @param demandPeriod block length, ms
   */
  constructor(start: number, demandPeriod: number) {
    this.demandPeriod = demandPeriod;
    const offset = ((start % demandPeriod) + demandPeriod) % demandPeriod;
    this.#blockEnd = demandPeriod - offset;
  }

  /** The first demand-block boundary after t (ms after start). */
  nextBoundary(t: number): number {
    return t < this.#blockEnd ? this.#blockEnd : this.#blockEnd + this.demandPeriod * (1 + Math.floor((t - this.#blockEnd) / this
      .demandPeriod));
  }

  /** Adds constant per-phase powers (W and var, L1..L3) held from t0 to t1 (ms after start). */
  add(t0: number, t1: number, active: Float64Array, reactive: Float64Array): void {
    let from = t0;
    while (from < t1) {
      const to = Math.min(t1, this.#blockEnd);
      this.#integrate(to - from, active, reactive);
      if (to >= this.#blockEnd) this.#closeBlock();
      from = to;
    }
  }

  #integrate(duration: number, active: Float64Array, reactive: Float64Array): void {
    if (duration <= 0) return;
    const hours = duration / msPerHour;
    let p = 0;
    let q = 0;
    for (let k = 0; k < 3; k++) {
      const pk = active[k] ?? 0;
      const qk = reactive[k] ?? 0;
      p += pk;
      q += qk;
      if (pk >= 0) this.activeImport[k] = (this.activeImport[k] ?? 0) + pk * hours;
      else this.activeExport[k] = (this.activeExport[k] ?? 0) - pk * hours;
      if (qk >= 0) this.reactiveImport[k] = (this.reactiveImport[k] ?? 0) + qk * hours;
      else this.reactiveExport[k] = (this.reactiveExport[k] ?? 0) - qk * hours;
    }
    if (p >= 0) {
      this.activeImport[3] = (this.activeImport[3] ?? 0) + p * hours;
      this.#blockImport += p * hours;
    } else {
      this.activeExport[3] = (this.activeExport[3] ?? 0) - p * hours;
    }
    if (q >= 0) this.reactiveImport[3] = (this.reactiveImport[3] ?? 0) + q * hours;
    else this.reactiveExport[3] = (this.reactiveExport[3] ?? 0) - q * hours;
    const quadrant = quadrantOf(p, q) - 1;
    this.quadrant[quadrant] = (this.quadrant[quadrant] ?? 0) + Math.abs(q) * hours;
  }

  #closeBlock(): void {
    this.#maxDemand = Math.max(this.#maxDemand, this.currentDemand());
    this.#blockImport = 0;
    this.#blockEnd += this.demandPeriod;
  }

  /** Import energy of the current block over the block length, W. */
  currentDemand(): number {
    return (this.#blockImport * msPerHour) / this.demandPeriod;
  }

  /** Largest completed block's mean import power, W. */
  maxDemand(): number {
    return this.#maxDemand;
  }
}
