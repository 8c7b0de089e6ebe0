// The weekly EN 50160 report of a meter as the API answers it (GET /api/v1/meters/:id/power-quality/
// weekly), its query, and the mapping from the MDM's report: times as ISO-8601 UTC strings, voltages
// to 0.01 V, frequencies to 1 mHz, ratios and shares to 1e-6 (a share of a week's 1008 values needs
// more than four digits to tell 957 from 958). The interval rows are in the CSV export, not here.
import { Type } from 'typebox';
import type { Static, TSchema } from 'typebox';
import type { WeeklyPqReport } from '@phasewire/mdm';

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const isoTime = Type.String({ description: 'ISO-8601 UTC time', format: 'date-time' });
const phase = Type.Union([Type.Literal('L1'), Type.Literal('L2'), Type.Literal('L3')]);
const eventKind = Type.Union([Type.Literal('dip'), Type.Literal('swell'), Type.Literal('interruption')]);

export const WeeklyPqQuery = Type.Object({
  week: Type.Optional(Type.String({ pattern: '^\\d{4}-W\\d{2}$', description: 'ISO 8601 week, YYYY-Www (default: the last whole week)' })),
  zone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA time zone the week\'s days are in (default UTC)' })),
});
export type WeeklyPqQuery = Static<typeof WeeklyPqQuery>;

export const PqCriterionDto = Type.Object({
  id: Type.String({ description: 'voltage-L1 … voltage-all-L3, unbalance, thd-L1 … thd-L3, frequency, frequency-all' }),
  quantity: Type.Union([Type.Literal('voltage'), Type.Literal('voltage-all'), Type.Literal('unbalance'), Type.Literal('thd'),
    Type.Literal('frequency'), Type.Literal('frequency-all')]),
  phase: nullable(phase),
  clause: Type.String({ description: 'the EN 50160:2010 clause' }),
  limit: Type.String(),
  unit: Type.Union([Type.Literal('V'), Type.Literal('1'), Type.Literal('Hz')]),
  low: nullable(Type.Number()),
  high: nullable(Type.Number()),
  required: Type.Number({ description: 'share of the judged values that must lie in the band, 0..1' }),
  excludes: Type.Union([Type.Literal('flagged'), Type.Literal('interruptions')],
    { description: 'the flagged intervals left out: all (IEC 61000-4-30 §4.7) or those of interruptions (EN 50160 §4.2.2.2)' }),
  evaluated: Type.Integer({ description: 'values judged: ten-minute values, or frequency readings' }),
  within: Type.Integer(),
  share: nullable(Type.Number({ description: 'within / evaluated, 0..1' })),
  min: nullable(Type.Number()),
  max: nullable(Type.Number()),
  pass: nullable(Type.Boolean()),
});
export type PqCriterionDto = Static<typeof PqCriterionDto>;

export const PqEventDto = Type.Object({
  kind: eventKind,
  start: isoTime,
  end: nullable(isoTime),
  durationSeconds: nullable(Type.Number()),
  extreme: Type.Number({ description: 'residual voltage of a dip or interruption, highest voltage of a swell, V' }),
  extremePercent: Type.Number({ description: 'extreme in percent of the declared voltage' }),
  depthPercent: Type.Number({ description: 'dip, interruption: 100 − residual %; swell: highest % − 100' }),
  phases: Type.Array(phase),
});
export type PqEventDto = Static<typeof PqEventDto>;

export const WeeklyPowerQuality = Type.Object({
  meter: Type.String(),
  week: Type.String({ description: 'YYYY-Www' }),
  timeZone: Type.String(),
  from: isoTime,
  to: isoTime,
  declaredVoltage: Type.Number({ description: 'Udin, V' }),
  nominalFrequency: Type.Number({ description: 'Hz' }),
  resolution: Type.Object({
    readingSeconds: nullable(Type.Number()), aggregationMinutes: Type.Number(), basis: Type.String(), eventLimit: Type.String(),
  }),
  coverage: Type.Object({
    expectedIntervals: Type.Integer(), intervalsWithData: Type.Integer(), flaggedIntervals: Type.Integer(),
    share: Type.Number({ description: 'intervals with data / expected, 0..1' }), readings: Type.Integer(),
    expectedReadings: nullable(Type.Integer()),
  }),
  criteria: Type.Array(PqCriterionDto),
  events: Type.Array(PqEventDto),
  eventCounts: Type.Object({ dip: Type.Integer(), swell: Type.Integer(), interruption: Type.Integer() }),
  pass: nullable(Type.Boolean({ description: 'every criterion passes; null when none fails but one could not be judged' })),
});
export type WeeklyPowerQuality = Static<typeof WeeklyPowerQuality>;

const to = (steps: number) => (x: number): number => Math.round(x * steps) / steps;
const volts = to(100);
const hertz = to(1000);
const ratio = to(1e6);
const maybe = (x: number | null, round: (x: number) => number): number | null => (x === null ? null : round(x));
const iso = (ms: number): string => new Date(ms).toISOString();

export function weeklyPqDto(report: WeeklyPqReport): WeeklyPowerQuality {
  return {
    meter: report.meter, week: report.week, timeZone: report.timeZone, from: iso(report.from), to: iso(report.to),
    declaredVoltage: report.declaredVoltage, nominalFrequency: report.nominalFrequency,
    resolution: {
      readingSeconds: report.resolution.readingMs === null ? null : report.resolution.readingMs / 1000,
      aggregationMinutes: report.resolution.aggregationMs / 60_000, basis: report.resolution.basis,
      eventLimit: report.resolution.eventLimit,
    },
    coverage: { ...report.coverage, share: ratio(report.coverage.share) },
    criteria: report.criteria.map((c) => {
      const unit = c.quantity.startsWith('voltage') ? 'V' : c.quantity.startsWith('frequency') ? 'Hz' : '1';
      const round = unit === 'V' ? volts : unit === 'Hz' ? hertz : ratio;
      return {
        id: c.id, quantity: c.quantity, phase: c.phase, clause: c.clause, limit: c.limit, unit, low: maybe(c.low, round),
        high: maybe(c.high, round), required: c.required, excludes: c.excludes, evaluated: c.evaluated, within: c.within,
        share: maybe(c.share, ratio), min: maybe(c.min, round), max: maybe(c.max, round), pass: c.pass,
      };
    }),
    events: report.events.map((e) => ({
      kind: e.kind, start: iso(e.start), end: e.end === null ? null : iso(e.end),
      durationSeconds: e.durationMs === null ? null : e.durationMs / 1000, extreme: volts(e.extreme),
      extremePercent: to(100)(e.extremeRatio * 100), depthPercent: to(100)(e.depth * 100), phases: [...e.phases],
    })),
    eventCounts: { ...report.eventCounts },
    pass: report.pass,
  };
}
