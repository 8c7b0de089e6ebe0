// Local protection in `phasewire demo` (docs/protection.md): the meter on the developing imbalance
// runs protection armed with a voltage unbalance trip level its imbalance reaches in the demo's first
// twenty minutes of simulated time, so it trips by itself and the head-end hears of it (its trip event
// and its sealed relay status); and the demo disconnects one meter remotely, by a sealed disconnect
// through the head-end, once its readings have filled a quarter hour (its running charges have a
// whole interval of energy).
import type { MeterId } from '@phasewire/core';
import { parseProtectionSettings, type ProtectionSettings } from '@phasewire/core/protocol';
import { protectedSource, type ReadingSource } from '@phasewire/agent/node';
import { createProtectedMeter, createSimulatedMeter } from '@phasewire/meter';
import type { SimulatedMeter, SimulatedMeterOptions, TripRecord } from '@phasewire/meter';
import type { PhasewireServer } from '@phasewire/server/node';

/**
 * The developing imbalance's settings: its 30 A motor rated 60 A (its L1 load grows by 80 % over
 * three hours), and a trip at 0.25 % NEMA voltage unbalance after 10 s, which the sinking L3 reaches
 * about 17 minutes in (0.015 % a minute); the warning at 0.15 %, after 60 s.
 */
export const demoProtectionSettings: ProtectionSettings = parseProtectionSettings({
  version: 1, ratedCurrent: 60, voltageUnbalance: { warn: 0.0015, warnDelayMs: 60_000, trip: 0.0025, tripDelayMs: 10_000 },
});

/** The remote disconnect goes out this long after the fleet started, in simulated time. */
export const remoteDisconnectAfterMs = 20 * 60_000;

/**
 * The meter's reading source: with `protection`, a protected meter (its relay opens by itself at a
 * trip); without, the plain simulated meter. Either way the simulated meter whose registers carry over.
 */
export function demoMeterSource(options: SimulatedMeterOptions, protection: boolean):
  { readonly simulated: SimulatedMeter; readonly source?: ReadingSource } {
  if (!protection) return { simulated: createSimulatedMeter(options) };
  const trips: TripRecord[] = [];
  const meter = createProtectedMeter({ ...options, settings: demoProtectionSettings, onTrip: (trip) => trips.push(trip) });
  return { simulated: meter.meter, source: protectedSource(meter, trips) };
}

/**
 * Disconnects `meter` remotely through the head-end (a sealed, expiring command; the meter's sealed
 * answer and relay status come back), unless its relay is open already (a second start of the demo).
 */
export function disconnectRemotely(server: PhasewireServer, meter: MeterId, relay: 'open' | 'closed',
  report: (line: string) => void): void {
  if (relay === 'open') return;
  server.headEnd.sendCommand(meter, 'disconnect').then((record) => {
    report(`demo protection: ${meter} disconnected remotely (command ${record.id}: ${record.status})\n`);
  }, (error: unknown) => { report(`demo protection: cannot disconnect ${meter}: ${(error as Error).message}\n`); });
}

/** The relay column of the demo's table: what the head-end heard from the meter's sealed status. */
export function relayColumn(server: PhasewireServer, meter: MeterId): string {
  const relay = server.headEnd.protection(meter, 1).relay;
  if (relay === undefined || relay === null || relay.relay === 'closed') return 'closed';
  return relay.by === 'trip' ? `open: trip ${relay.fn ?? ''}` : 'open: remote';
}
