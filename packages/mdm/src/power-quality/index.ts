// EN 50160 weekly power quality per meter (docs/power-quality.md).
export { en50160 } from './en50160-limits.ts';
export { formatIsoWeek, isoWeekOf, parseIsoWeek, weekSpan, weeksInYear, type IsoWeek, type WeekSpan } from './iso-week.ts';
export { aggregate, readingSpacing, type AggregatedInterval, type PqReading, type Triple } from './ten-minute.ts';
export {
  weeklyPqReport, type CriterionQuantity, type PqCriterion, type PqEvent, type PqEventKind, type PqInterval, type WeeklyPqReport,
  type WeeklyReportInput,
} from './weekly-report.ts';
export { pqReadings, weeklyPqFromStore, weeklyPqQuantities, type WeeklyPqOptions } from './weekly-from-store.ts';
