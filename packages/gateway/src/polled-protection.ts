// Local protection for the Modbus meters behind a gateway: the meter's own functions
// (@phasewire/meter's Protection) run on each polled snapshot, at the poll's time. What polling
// allows (docs/protection.md, "Behind a gateway"): the functions see the meter once per poll
// period, so a trip comes up to one period after its set delay and a disturbance shorter than the
// period may pass unseen; and the gateway has no relay to open on a Modbus meter, so a trip is a
// record of what protection decided (reported upstream as an event), not an action.
import type { MeterId, Snapshot } from '@phasewire/core';
import type { ProtectionSettings } from '@phasewire/core/protocol';
import { inputFromSnapshot, newProtectionInput, Protection, type TripRecord, type TripRelay } from '@phasewire/meter';

/** The relay protection would open: remembered, switching nothing (the gateway cannot). */
class UnswitchedRelay implements TripRelay {
  state: 'open' | 'closed' = 'closed';

  open(): void {
    this.state = 'open';
  }
}

interface Guarded {
  readonly protection: Protection;
  readonly relay: UnswitchedRelay;
  readonly trips: TripRecord[];
}

export class PolledProtection {
  readonly #meters = new Map<MeterId, Guarded>();
  readonly #input = newProtectionInput();

  /** `settings`: the same for every meter, or each meter's (gateway.json's `meters[].protection`). */
  constructor(meters: readonly MeterId[], settings: ProtectionSettings | ((meter: MeterId) => ProtectionSettings)) {
    for (const meter of meters) {
      const relay = new UnswitchedRelay();
      const own = typeof settings === 'function' ? settings(meter) : settings;
      this.#meters.set(meter, { protection: new Protection(own, relay), relay, trips: [] });
    }
  }

  /**
   * Judges one poll. A trip is kept for the meter's agent (`takeTrips`); protection then judges the
   * meter again as if a relay had closed, so a lasting fault trips again, once per its delay.
   */
  observe(snapshot: Snapshot): TripRecord | undefined {
    const guarded = this.#meters.get(snapshot.meter);
    if (guarded === undefined) return undefined;
    const trip = guarded.protection.evaluate(snapshot.at, inputFromSnapshot(snapshot, this.#input));
    guarded.relay.state = 'closed';
    if (trip !== undefined) guarded.trips.push(trip);
    return trip;
  }

  /** Trips of the meter not yet taken, oldest first; taking them empties the list. */
  takeTrips(meter: MeterId): TripRecord[] {
    return this.#meters.get(meter)?.trips.splice(0) ?? [];
  }

  protection(meter: MeterId): Protection | undefined {
    return this.#meters.get(meter)?.protection;
  }
}
