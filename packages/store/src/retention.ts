// Retention per data class. Each class is kept for its own number of days (absent: forever); the
// purge job removes what is older than now minus that, on whole UTC days, so a day is kept or
// removed as a whole.
import { ConfigError } from '@phasewire/core';
import { dayMs, floorTo } from './periods.ts';

/**
 * - `rawReadings`: readings of instantaneous and demand quantities (voltage, current, power, PF …);
 * - `intervalData`: energy register reads, the interval values derived from them and their
 *   validated and final stages;
 * - `rollups`: day and month rollups;
 * - `audit`: the interval change log and the reading conflict records.
 */
export type DataClass = 'rawReadings' | 'intervalData' | 'rollups' | 'audit';
export const dataClasses: readonly DataClass[] = ['rawReadings', 'intervalData', 'rollups', 'audit'];

/** Days to keep each class; a class not named is kept forever. */
export type RetentionPolicy = { readonly [K in DataClass]?: number };

/** Checks a policy from configuration; throws a ConfigError naming the bad entry. */
export function parseRetentionPolicy(value: unknown): RetentionPolicy {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('PW_ERR_STORE_CONFIG',
      `Cannot use the store retention ${JSON.stringify(value)}: expected an object of days per data class (${dataClasses.join(', ')})`);
  }
  const policy: Partial<Record<DataClass, number>> = {};
  for (const [key, days] of Object.entries(value)) {
    if (!(dataClasses as readonly string[]).includes(key)) {
      throw new ConfigError('PW_ERR_STORE_CONFIG',
        `Cannot use store retention class ${JSON.stringify(key)}: expected one of ${dataClasses.join(', ')}`);
    }
    if (typeof days !== 'number' || !Number.isSafeInteger(days) || days < 1) {
      throw new ConfigError('PW_ERR_STORE_CONFIG',
        `Cannot keep ${key} for ${JSON.stringify(days)} days: expected a whole number of days, at least 1`);
    }
    policy[key as DataClass] = days;
  }
  return policy;
}

/** The time before which each class is removed at `now` (start of a UTC day). */
export function retentionCutoffs(policy: RetentionPolicy, now: number): Partial<Record<DataClass, number>> {
  const cutoffs: Partial<Record<DataClass, number>> = {};
  for (const dataClass of dataClasses) {
    const days = policy[dataClass];
    if (days !== undefined) cutoffs[dataClass] = floorTo(now, dayMs) - days * dayMs;
  }
  return cutoffs;
}
