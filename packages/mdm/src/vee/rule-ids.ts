// The stable ids of every VEE rule, estimation method and edit. A value's provenance names one of
// these; they are part of the stored data and of the API, so an id is never renamed or reused.
// docs/vee.md describes each one (what it checks, its parameters, what it changes).

export const ruleIds = [
  // Reads
  'VEE-TIME-FUTURE',
  'VEE-TIME-GRID',
  'VEE-DUPLICATE',
  'VEE-CLOCK-DRIFT',
  // The register chain
  'VEE-REGISTER-BACKWARDS',
  'VEE-ROLLOVER',
  'VEE-METER-EXCHANGE',
  // Intervals
  'VEE-GAP',
  'VEE-HIGH-LOW',
  'VEE-SPIKE',
  'VEE-DISCONNECTED',
  'VEE-PHASE-SUM',
  'VEE-VOLTAGE-RANGE',
  // Spans
  'VEE-INTERVAL-REGISTER',
  // Estimation and re-estimation
  'EST-LINEAR',
  'EST-LIKE-DAY',
  'EST-LATE-DATA',
  'EST-REESTIMATE',
  // Editing
  'EDIT',
] as const;

export type RuleId = (typeof ruleIds)[number];
