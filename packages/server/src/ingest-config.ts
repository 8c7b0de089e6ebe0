// The `ingest` section of the server configuration: the reading times the head-end stores
// (docs/head-end.md, "Reading times"):
//
//   "ingest": { "earliestReading": "2020-01-01T00:00:00Z", "maxReadingAgeDays": 400, "maxReadingAheadMinutes": 15 }
import { ConfigError } from '@phasewire/core';
import { defaultReadingTimeWindow } from '@phasewire/headend';
import type { ReadingTimeWindow } from '@phasewire/headend';

export interface IngestConfig {
  readonly readingTimes: ReadingTimeWindow;
}

export const defaultIngestConfig: IngestConfig = { readingTimes: defaultReadingTimeWindow };

const keys = ['earliestReading', 'maxReadingAgeDays', 'maxReadingAheadMinutes'];

const fail = (field: string, found: unknown, expected: string): never => {
  const what = found === undefined ? 'missing' : JSON.stringify(found);
  throw new ConfigError('PW_ERR_SERVER_CONFIG', `Cannot use the server configuration: ${field} is ${what}; expected ${expected}`);
};

export function parseIngest(value: unknown): IngestConfig {
  if (value === undefined) return defaultIngestConfig;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('ingest', value, 'an object');
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!keys.includes(key)) fail(`ingest.${key}`, record[key], `no such field (known: ${keys.join(', ')})`);
  }
  /** A whole number of units from 0 to max, in ms; the default when absent. */
  const span = (key: string, max: number, unitMs: number, fallback: number): number => {
    const item = record[key];
    if (item === undefined) return fallback;
    return typeof item === 'number' && Number.isSafeInteger(item) && item >= 0 && item <= max ? item * unitMs : fail(`ingest.${key}`, item, `a whole number from 0 to ${max}`);
  };
  const given = record['earliestReading'];
  if (given !== undefined && (typeof given !== 'string' || given.trim() === '')) fail('ingest.earliestReading', given, 'a non-empty string');
  const earliest = given === undefined ? defaultReadingTimeWindow.earliest : Date.parse(given as string);
  if (!Number.isFinite(earliest) || earliest < 0) fail('ingest.earliestReading', given, 'an ISO-8601 time after 1970, e.g. "2020-01-01T00:00:00Z"');
  const maxAgeMs = span('maxReadingAgeDays', 36_600, 86_400_000, defaultReadingTimeWindow.maxAgeMs);
  return { readingTimes: { earliest, maxAgeMs, maxAheadMs: span('maxReadingAheadMinutes', 1440, 60_000, defaultReadingTimeWindow.maxAheadMs) } };
}
