// What the store conformance suites share: the store under test as a target, the fixtures' meters
// and times, and a fresh database per test.
import { it } from 'node:test';
import { ManualClock, parseMeterId, Q, type Clock, type MeterId, type ObisCode, type Reading, type Snapshot } from '@phasewire/core';
import type { MeterStore } from '../meter-store.ts';
import { dayMs, intervalMs } from '../periods.ts';
import type { RetentionPolicy } from '../retention.ts';

export interface StoreOpenOptions {
  readonly clock: Clock;
  readonly retention?: RetentionPolicy;
  /** Migrate only up to this version. */
  readonly migrateTo?: number;
}

export interface StoreTarget {
  /** Opens the store on database `db`, creating it empty on first use; the same `db` reopens the same data. */
  open(db: string, options: StoreOpenOptions): Promise<MeterStore>;
  /** The versions in the migrations table of `db` with the time each was applied (store clock). */
  appliedMigrations(db: string): Promise<readonly { readonly version: number; readonly appliedAt: number }[]>;
  readonly latestVersion: number;
}

/** Monday 2026-01-05 00:00 UTC. */
export const day0 = Date.UTC(2026, 0, 5);
export const m1 = parseMeterId('meter-0001');
export const m2 = parseMeterId('meter-0002');
export const m3 = parseMeterId('meter-0003');
export const energy = Q.activeEnergyImport;
export const reading = (meter: MeterId, quantity: ObisCode, at: number, value: number): Reading => ({ meter, quantity, at, value });
export const snapshot = (meter: MeterId, at: number, values: [ObisCode, number][]): Snapshot => ({ meter, at, values: new Map(values) });
/** Register reads every 15 minutes from `from`, growing by `step` Wh each (a steady load). */
export const registerReads = (meter: MeterId, from: number, count: number, start: number, step: number): Reading[] =>
  Array.from({ length: count }, (_, i) => reading(meter, energy, from + i * intervalMs, start + i * step));

let databases = 0;

/** A name for a database no test used before. */
export const newDatabase = (): string => `conformance_${++databases}`;

export type FreshStore = (options?: Partial<StoreOpenOptions>) => Promise<{ store: MeterStore; clock: ManualClock; db: string }>;

/** Opens the target on a new database, with a manual clock (ten days after day0 unless given). */
export const freshStore = (target: StoreTarget): FreshStore => async (options = {}) => {
  const clock = options.clock instanceof ManualClock ? options.clock : new ManualClock(day0 + 10 * dayMs);
  const db = newDatabase();
  return { store: await target.open(db, { ...options, clock }), clock, db };
};

/** describe and it return promises the runner awaits; the suites only declare them. */
export const conformanceTest = (title: string, body: () => Promise<void>): void => { void it(title, body); };
