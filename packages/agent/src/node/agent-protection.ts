// The agent's side of local protection (../protected-source.ts): trips the meter made while it was
// read go to the head-end as sealed events through the durable queue (in counter order with the
// readings; they leave the queue on the head-end's ack), and what protection holds (settings,
// armed, the relay and whether it waits armed) is kept in protection.json across restarts.
import { join } from 'node:path';
import type { MeterId } from '@phasewire/core';
import type { TripRecord } from '@phasewire/meter';
import type { ProtectedSource, ProtectionState } from '../protected-source.ts';
import type { ReadingSource } from '../reading-source.ts';
import { persistProtection } from './agent-commands.ts';
import type { MeterAgentOptions } from './agent-types.ts';
import type { RelayStatusReporter } from './relay-status.ts';
import { readJson, writeJson } from './state-files.ts';

/**
 * Trips taken from the source but not yet sealed into the durable queue: written before they are
 * queued and emptied after, so an agent killed in between queues them at its next start (the
 * head-end shows a trip queued twice once: relay-states.ts distinctTrips). Read once per agent.
 */
const pendingFile = 'pending-trips.json';
const pendingRead = new WeakSet<RelayStatusReporter>();

const protectedOf = (source: ReadingSource): ProtectedSource | undefined =>
  'state' in source && 'meter' in source ? source as ProtectedSource : undefined;

/**
 * Seals each trip the source holds as an event (kind `protection-trip`: the record with its
 * sequence of events and pre-trip values), then the relay's state when it changed (relay-status.ts),
 * with `enqueue`; the relay is open already. `now`: the agent's time, for a change without a trip.
 * Returns whether it queued anything (then the caller sends).
 */
export async function reportProtection(source: ReadingSource, meter: MeterId, options: Pick<MeterAgentOptions, 'dataDir' | 'onEvent'>,
  relayStatus: RelayStatusReporter, now: number, enqueue: (type: 'event' | 'status', body: unknown) => Promise<void>): Promise<boolean> {
  // A gateway's polled source has trips too, and no relay it can switch ('none': decided, not acted on).
  const pendingPath = join(options.dataDir, pendingFile);
  const left = pendingRead.has(relayStatus) ? [] : await readJson<TripRecord[]>(pendingPath, []);
  pendingRead.add(relayStatus);
  const trips = [...left, ...source.takeTrips?.() ?? []];
  if (trips.length > 0) {
    await writeJson(pendingPath, trips);
    await persistProtection(options.dataDir, source);
  }
  for (const trip of trips) {
    await enqueue('event', { kind: 'protection-trip', meter, relay: source.relay?.state ?? 'none', ...trip });
    options.onEvent?.({ kind: 'trip', fn: trip.fn, at: trip.at });
  }
  if (trips.length > 0) await writeJson(pendingPath, []);
  const changed = await relayStatus.report(source, trips.at(-1)?.at ?? now, (body) => enqueue('status', body));
  return trips.length > 0 || changed;
}

/** Takes up protection.json at the agent's start. */
export function restoreProtection(source: ReadingSource, state: ProtectionState): void {
  const protectedSource = protectedOf(source);
  if (protectedSource === undefined) return;
  protectedSource.meter.protection.setSettings(state.settings);
  protectedSource.meter.protection.setArmed(state.armed);
  if (state.loadLimit !== undefined) protectedSource.meter.protection.setLoadLimit(state.loadLimit);
  protectedSource.meter.control.restore(state.relay);
}

export async function confirmLocally(source: ReadingSource, dataDir: string): Promise<{ readonly ok: boolean; readonly reason?: string }> {
  const protectedSource = protectedOf(source);
  if (protectedSource === undefined) return { ok: false, reason: 'this meter has no local protection and no armed relay' };
  const outcome = protectedSource.confirmLocally();
  await persistProtection(dataDir, protectedSource);
  return { ok: outcome.ok, ...(outcome.reason === undefined ? {} : { reason: outcome.reason }) };
}
