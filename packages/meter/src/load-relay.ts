// The load relay (the breaker a utility opens for a remote disconnect). The sensing simulator models
// the supply and the load; the relay sits between the meter's measurement and what it reports:
// while open, no current flows to the load, so currents, powers, demand and every quantity defined
// by the current (power factor, current THD, current angles) are gone, the voltages of the supply
// side stay, and the energy registers stand still. Registers keep standing still after the relay
// closes: what the load would have drawn while open is taken off for good.
import { findQuantity } from '@phasewire/core';
import type { ObisCode, Snapshot } from '@phasewire/core';

export type RelayState = 'open' | 'closed';

type Effect = 'zero' | 'drop' | 'register' | 'keep';

const effects = new Map<ObisCode, Effect>();

function effectOf(code: ObisCode): Effect {
  let effect = effects.get(code);
  if (effect === undefined) {
    const q = findQuantity(code);
    if (q === undefined) effect = 'keep';
    else if (q.kind === 'register') effect = 'register';
    else if (q.key === 'activeDemandImportMax') effect = 'keep';
    else if (q.unit === 'A' || q.unit === 'W' || q.unit === 'var' || q.unit === 'VA') effect = 'zero';
    else if (q.key.startsWith('powerFactor') || q.key.startsWith('currentThd') || q.key.startsWith('angleCurrent')) effect = 'drop';
    else effect = 'keep';
    effects.set(code, effect);
  }
  return effect;
}

export class LoadRelay {
  #state: RelayState = 'closed';
  /** Register values as reported when the relay opened (while open) … */
  readonly #frozen = new Map<ObisCode, number>();
  /** … and what is taken off each register for every earlier open period. */
  readonly #offset = new Map<ObisCode, number>();
  /** The measured register values of the last snapshot, to freeze at the next open. */
  #last = new Map<ObisCode, number>();

  get state(): RelayState {
    return this.#state;
  }

  open(): void {
    if (this.#state === 'open') return;
    this.#state = 'open';
    for (const [code, measured] of this.#last) this.#frozen.set(code, measured - (this.#offset.get(code) ?? 0));
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    for (const [code, frozen] of this.#frozen) {
      const measured = this.#last.get(code);
      if (measured !== undefined) this.#offset.set(code, measured - frozen);
    }
    this.#frozen.clear();
  }

  /** What the meter reports for a measured snapshot, with the relay as it is. */
  apply(snapshot: Snapshot): Snapshot {
    const values = new Map<ObisCode, number>();
    const last = new Map<ObisCode, number>();
    for (const [code, measured] of snapshot.values) {
      const effect = effectOf(code);
      if (effect === 'register') {
        last.set(code, measured);
        const value = this.#state === 'open' ? this.#frozen.get(code) ?? measured - (this.#offset.get(code) ?? 0) : measured - (this.#offset
          .get(code) ?? 0);
        if (this.#state === 'open' && !this.#frozen.has(code)) this.#frozen.set(code, value);
        values.set(code, value);
      } else if (this.#state === 'closed' || effect === 'keep') {
        values.set(code, measured);
      } else if (effect === 'zero') {
        values.set(code, 0);
      }
    }
    this.#last = last;
    return { meter: snapshot.meter, at: snapshot.at, values };
  }
}
