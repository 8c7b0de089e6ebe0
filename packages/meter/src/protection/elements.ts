// The timing of a protection function: pickup, a delay, and a dropout with hysteresis, so that a
// value that wanders about its threshold picks up once and neither chatters nor trips before its
// time. Inverse-time over-current integrates its curve instead of waiting a fixed delay, with a
// thermal memory that forgets at a set rate (IEC 60255-151).
import type { OvercurrentCurve } from '@phasewire/core/protocol';

export type ElementChange = 'pickup' | 'dropout' | 'operate';

/**
 * A definite-time element. `over`: picks up at value ≥ pickup, drops out below pickup·(1 − h);
 * `under`: picks up at value ≤ pickup, drops out above pickup·(1 + h). Operates once `delayMs` after
 * pickup while still picked up (at the first evaluation at or after that time).
 */
export class DefiniteTimeElement {
  readonly #sense: 'over' | 'under';
  #pickup: number;
  #delay: number;
  #hysteresis: number;
  #since: number | undefined;
  #operated = false;

  constructor(sense: 'over' | 'under', pickup: number, delayMs: number, hysteresis: number) {
    this.#sense = sense;
    this.#pickup = pickup;
    this.#delay = delayMs;
    this.#hysteresis = hysteresis;
  }

  set(pickup: number, delayMs: number, hysteresis: number): void {
    this.#pickup = pickup;
    this.#delay = delayMs;
    this.#hysteresis = hysteresis;
  }

  get pickedUpAt(): number | undefined {
    return this.#since;
  }

  get pickup(): number {
    return this.#pickup;
  }

  reset(): void {
    this.#since = undefined;
    this.#operated = false;
  }

  update(t: number, value: number): ElementChange | undefined {
    const over = this.#sense === 'over';
    if (this.#since === undefined) {
      if (over ? value >= this.#pickup : value <= this.#pickup) {
        this.#since = t;
        this.#operated = false;
        return this.#delay === 0 ? this.#operate() : 'pickup';
      }
      return undefined;
    }
    const dropout = over ? this.#pickup * (1 - this.#hysteresis) : this.#pickup * (1 + this.#hysteresis);
    if (over ? value < dropout : value > dropout) {
      this.reset();
      return 'dropout';
    }
    if (!this.#operated && t - this.#since >= this.#delay) return this.#operate();
    return undefined;
  }

  #operate(): ElementChange {
    this.#operated = true;
    return 'operate';
  }
}

/**
 * IEC 60255-151:2009 §4.5 inverse-time characteristics, t(G) = TMS · k / ((G/Gs)^α − 1) for G > Gs
 * (the IEC curves have c = 0): standard inverse k = 0.14, α = 0.02; very inverse k = 13.5, α = 1;
 * extremely inverse k = 80, α = 2 (Table 1, curves A, B, C).
 */
export const iecCurves: Readonly<Record<OvercurrentCurve, { readonly k: number; readonly alpha: number }>> = {
  'standard-inverse': { k: 0.14, alpha: 0.02 },
  'very-inverse': { k: 13.5, alpha: 1 },
  'extremely-inverse': { k: 80, alpha: 2 },
};

/** Operating time in ms at current `multiple` = I/Is (Infinity at or below 1). */
export function operatingTimeMs(curve: OvercurrentCurve, tms: number, multiple: number): number {
  if (!(multiple > 1)) return Number.POSITIVE_INFINITY;
  const { k, alpha } = iecCurves[curve];
  return (1000 * tms * k) / (multiple ** alpha - 1);
}

/**
 * Inverse-time over-current with thermal memory: above pickup, the share of the curve's time spent
 * grows by dt / t(I) and the element operates at 1; below the dropout level it falls back by
 * dt / resetMs (a motor cooling), so a second overload soon after the first trips sooner.
 */
export class InverseTimeElement {
  #curve: OvercurrentCurve;
  #pickup: number;
  #tms: number;
  #resetMs: number;
  #hysteresis: number;
  #elapsed = 0;
  #last: number | undefined;
  /** The current multiple at the last evaluation: it held over the step to this one (the left end, so never early). */
  #lastMultiple = 0;
  #picked = false;
  #operated = false;

  constructor(curve: OvercurrentCurve, pickup: number, tms: number, resetMs: number, hysteresis: number) {
    this.#curve = curve;
    this.#pickup = pickup;
    this.#tms = tms;
    this.#resetMs = resetMs;
    this.#hysteresis = hysteresis;
  }

  set(curve: OvercurrentCurve, pickup: number, tms: number, resetMs: number, hysteresis: number): void {
    this.#curve = curve;
    this.#pickup = pickup;
    this.#tms = tms;
    this.#resetMs = resetMs;
    this.#hysteresis = hysteresis;
  }

  /** The share of the trip time used up, 0..1 (the thermal memory). */
  get elapsed(): number {
    return this.#elapsed;
  }

  get pickup(): number {
    return this.#pickup;
  }

  /** Forgets the memory (after a trip: the relay is open and the motor at rest long before it closes again). */
  reset(): void {
    this.#elapsed = 0;
    this.#picked = false;
    this.#operated = false;
    this.#last = undefined;
    this.#lastMultiple = 0;
  }

  update(t: number, current: number): ElementChange | undefined {
    const dt = this.#last === undefined ? 0 : t - this.#last;
    this.#last = t;
    const multiple = current / this.#pickup;
    const held = this.#lastMultiple;
    this.#lastMultiple = multiple;
    if (held > 1) {
      this.#elapsed += dt / operatingTimeMs(this.#curve, this.#tms, held);
    } else if (held < 1 - this.#hysteresis) {
      this.#elapsed = this.#resetMs === 0 ? 0 : Math.max(0, this.#elapsed - dt / this.#resetMs);
    }
    let change: ElementChange | undefined;
    if (!this.#picked && multiple > 1) {
      this.#picked = true;
      change = 'pickup';
    } else if (this.#picked && multiple < 1 - this.#hysteresis) {
      this.#picked = false;
      this.#operated = false;
      change = 'dropout';
    }
    // 1e-9: a sum of equal steps that should make exactly 1 (225 × 200/45000) may fall short of it by rounding.
    if (this.#picked && !this.#operated && this.#elapsed >= 1 - 1e-9) {
      this.#operated = true;
      return 'operate';
    }
    return change;
  }
}
