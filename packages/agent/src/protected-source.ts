// A simulated meter with local protection as the agent's reading source: readings through its load
// relay, which protection opens by itself (a trip needs no round trip); the protection commands
// (settings by version, arm, disarm) and the reconnect policy (a reconnect arms the relay, a confirm
// closes it) act on it. Trips wait in `trips` until the agent has sealed them as events.
import { ValidationError, type Snapshot } from '@phasewire/core';
import { parseLoadLimit, parseProtectionSettings, type LoadLimit, type ProtectionSettings } from '@phasewire/core/protocol';
import type { ProtectedMeter, RelayControlState, TripRecord } from '@phasewire/meter';
import type { ProtectionTarget } from './command-handler.ts';
import type { ReadingSource } from './reading-source.ts';

/** What the agent keeps on disk of protection (protection.json), beside the relay's state. */
export interface ProtectionState {
  readonly settings: ProtectionSettings;
  readonly armed: boolean;
  readonly relay: RelayControlState;
  /** The load limit the meter runs (docs/protection.md, "Load limiting"); absent: none set. */
  readonly loadLimit?: LoadLimit;
}

export interface ProtectedSource extends ReadingSource {
  readonly protection: ProtectionTarget;
  readonly meter: ProtectedMeter;
  /** Trips not yet handed to the agent, oldest first; taking them empties the list. */
  takeTrips(): TripRecord[];
  state(): ProtectionState;
  /** The confirm at the premises (the meter's button). */
  confirmLocally(): ReturnType<ProtectedMeter['control']['confirmLocally']>;
}

/** `trips`: where the meter's onTrip callback puts its records (createProtectedMeter's option). */
export function protectedSource(meter: ProtectedMeter, trips: TripRecord[]): ProtectedSource {
  const measure = (at: number): Snapshot => meter.relay.apply(meter.meter.advanceTo(at));
  const { protection, control } = meter;
  return {
    meter,
    read: (at) => Promise.resolve(measure(at)),
    latest: measure,
    relay: {
      get state() { return meter.relay.state; },
      set: (state) => { if (state === 'open') control.disconnect(); else control.reconnect('direct', true); },
    },
    followsAgentClock: true,
    protection: {
      setSettings: (value) => {
        let settings: ProtectionSettings;
        try {
          settings = parseProtectionSettings(value, 'the protection settings of the command');
        } catch (error) {
          if (error instanceof ValidationError) return { code: error.code, reason: error.message };
          throw error;
        }
        const running = protection.settings.version;
        if (settings.version <= running) {
          return {
            code: 'PW_ERR_PROTECTION_VERSION',
            reason: `Cannot install protection settings version ${settings.version}: the meter runs version ${running}; `
              + 'expected a higher one',
          };
        }
        protection.setSettings(settings);
        return { version: settings.version };
      },
      setArmed: (armed) => {
        protection.setArmed(armed);
        return protection.settings.version;
      },
      setLoadLimit: (value) => {
        let limit: LoadLimit;
        try {
          limit = parseLoadLimit(value, 'the load limit of the command');
        } catch (error) {
          if (error instanceof ValidationError) return { code: error.code, reason: error.message };
          throw error;
        }
        const running = protection.loadLimit?.version ?? 0;
        if (limit.version <= running) {
          return {
            code: 'PW_ERR_LOAD_LIMIT',
            reason: `Cannot install load limit version ${limit.version}: the meter runs version ${running}; expected a higher one`,
          };
        }
        protection.setLoadLimit(limit);
        return { version: limit.version };
      },
      disconnect: () => control.disconnect(),
      reconnect: (confirm) => control.reconnect('arm', confirm),
    },
    takeTrips: () => trips.splice(0),
    state: () => {
      const limit = protection.loadLimit;
      return {
        settings: protection.settings, armed: protection.armed, relay: control.state(),
        ...(limit === undefined ? {} : { loadLimit: limit }),
      };
    },
    confirmLocally: () => control.confirmLocally(),
  };
}
