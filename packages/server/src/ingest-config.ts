// The `ingest` section of the server configuration: the reading times the head-end stores
// (docs/head-end.md, "Reading times"). The schema (server-config-schema.ts) checks the fields; this
// reads the time and turns days and minutes into milliseconds:
//
//   "ingest": { "earliestReading": "2020-01-01T00:00:00Z", "maxReadingAgeDays": 400, "maxReadingAheadMinutes": 15 }
import { defaultReadingTimeWindow } from '@phasewire/headend';
import type { ReadingTimeWindow } from '@phasewire/headend';
import type { ServerConfigFile } from './server-config-schema.ts';

export interface IngestConfig {
  readonly readingTimes: ReadingTimeWindow;
}

export const defaultIngestConfig: IngestConfig = { readingTimes: defaultReadingTimeWindow };

const dayMs = 86_400_000;
const minuteMs = 60_000;

/** The section as the schema admitted it → the window; `fail` refuses a time that is not one. */
export function ingestConfigOf(
  file: ServerConfigFile['ingest'], fail: (path: string, found: unknown, expected: string) => never,
): IngestConfig {
  if (file === undefined) return defaultIngestConfig;
  const { earliestReading, maxReadingAgeDays, maxReadingAheadMinutes } = file;
  const earliest = earliestReading === undefined ? defaultReadingTimeWindow.earliest : Date.parse(earliestReading);
  if (!Number.isFinite(earliest) || earliest < 0) {
    fail('ingest.earliestReading', earliestReading, 'an ISO-8601 time after 1970, e.g. "2020-01-01T00:00:00Z"');
  }
  return {
    readingTimes: {
      earliest,
      maxAgeMs: maxReadingAgeDays === undefined ? defaultReadingTimeWindow.maxAgeMs : maxReadingAgeDays * dayMs,
      maxAheadMs: maxReadingAheadMinutes === undefined ? defaultReadingTimeWindow.maxAheadMs : maxReadingAheadMinutes * minuteMs,
    },
  };
}
