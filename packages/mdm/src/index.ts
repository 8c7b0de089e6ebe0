// @phasewire/mdm: meter data management: validation, estimation and editing (VEE), three-phase analytics and
// alarms. Pure: data and a clock value in, results out; the store and the notifiers do the I/O.
export type {
  QualityCode, Period, RegisterRead, MeterExchange, MeterMetadata, EstimationMethod, ProvenanceEntry, SupersededValue,
  FinalInterval, FindingAction, Finding, PastInterval,
} from './types.ts';
export { qualityCodes } from './types.ts';
export { ruleIds, type RuleId } from './vee/rule-ids.ts';
export { defaultVeeParameters, veeParameters, type VeeParameters } from './vee/parameters.ts';
export { runVee, deltaBetween, type VeeInput, type VeeResult, type DayResult } from './vee/run-vee.ts';
export { reconcile } from './vee/reconcile.ts';
export { checkReads, type CheckedReads } from './vee/read-checks.ts';
export { buildRegisterChain, maxEnergyWh, type RegisterChain, type RegisterStep } from './vee/register-chain.ts';
export { checkDisconnected, checkLimits, checkSpikes } from './vee/interval-rules.ts';
export { checkPhaseSum, type PhaseRegisters } from './vee/phase-sum.ts';
export { checkVoltageRange, en50160VoltageBand } from './vee/voltage-range.ts';
export { checkIntervalRegister } from './vee/interval-register.ts';
export { WeekdayProfile, median, robustSigma } from './vee/weekday-profile.ts';
export { distribute } from './estimation/distribute.ts';
export { completenessOf, type Completeness } from './completeness.ts';
export { checkEdit, EditRefusal, type EditRequest } from './editing/check-edit.ts';
export {
  intervalAnalytics, type IntervalAnalytics, type CurrentUnbalanceFigures, type NeutralCurrentFigure, type Spectra,
} from './analytics/interval-analytics.ts';
export { loadFactor, maxDemand, type Demand, type DemandMethod, type EnergyInterval } from './analytics/demand.ts';
export { dailySummary, spreadOf, type DailyInput, type DailySummary, type Spread } from './analytics/daily-summary.ts';
export {
  detectVoltageEvents, iec61000430Thresholds, type RmsSample, type VoltageEvent, type VoltageEventKind, type VoltageEventThresholds,
} from './analytics/voltage-events.ts';
export {
  weeklyCompliance, type ComplianceOptions, type CriterionId, type CriterionResult, type TenMinuteValues, type WeeklyCompliance,
} from './analytics/en50160.ts';
export {
  alarmTypes, defaultLifecycle, defaultRules, levelRank, type AlarmLevel, type AlarmType, type LifecyclePolicy, type ThresholdRule,
} from './alarms/alarm-rules.ts';
export { resolveAlarmSettings, type AlarmConfig, type AlarmOverrides, type AlarmSettings } from './alarms/alarm-config.ts';
export { calledLevel, evaluate, initialEvaluatorState, type EvaluatorState } from './alarms/threshold-evaluator.ts';
export { metricsOf, silenceOf, veeFailuresOf, type AlarmMetrics } from './alarms/alarm-metrics.ts';
export { AlarmEngine, type AlarmEngineState, type AlarmSlot } from './alarms/alarm-engine.ts';
export {
  newAlarm, stepAlarm, type Acknowledgement, type Alarm, type AlarmEvent, type AlarmState, type AlarmTransition,
} from './alarms/lifecycle/alarm-lifecycle.ts';
export { alarmTopic, notificationOf, type AlarmNotification, type AlarmNotifier } from './alarms/notification.ts';
export { alarmUnits, type AlarmUnit } from './alarms/alarm-units.ts';
export { meterMetadata, serviceIntervalMs, type MeterSetup, type MeterSetupConfig } from './service/meter-setup.ts';
export { defaultSchedule, dueJobs, mdmJobs, type LastRuns, type MdmJob, type MdmSchedule } from './service/schedule.ts';
export { intervalSnapshots } from './service/interval-snapshots.ts';
export { passActor, veeWrites, type WriteGroup } from './service/vee-writes.ts';
export { alarmView, notificationOfRecord, parseAlarmId, recordOfAlarm, type AlarmView } from './service/alarm-records.ts';
export { AlarmOutbox, type AlarmFeedEvent, type AlarmListener } from './service/alarm-outbox.ts';
export { createAlarmService, type AlarmListQuery, type AlarmPage, type AlarmService,
  type AlarmServiceDeps } from './service/alarm-service.ts';
export { analyticsQuantities, commitOf, defaultProcessOptions, processMeter, type MeterRun, type ProcessOptions,
  type SnapshotSource } from './service/process-meter.ts';
export { fleetSnapshots } from './service/fleet-snapshots.ts';
export { powerQualitySummary, type Figure, type PowerQualitySummary } from './service/power-quality.ts';
export * from './power-quality/index.ts';
export { firstReadingAt, qualityDays, type QualityDay, type QualityDayOptions } from './service/quality-days.ts';
export type {
  Decimal, LocalDate, LocalTime, CurrencyCode, Money, RoundingMode, Season, DayType, TouWindow, TouSchedule, FixedComponent,
  EnergyFlatComponent, TierBlock, EnergyTieredComponent, EnergyTouComponent, Ratchet, DemandComponent, ReactiveKvarhComponent,
  PowerFactorComponent, PowerFactorSurcharge, FeedInComponent, NetMeteringComponent, LevyComponent, TaxComponent, TariffComponent,
  ComponentKind, Tariff,
  IntervalInput, BillingPeriod, PastDemand, DeterminantTrace, Determinant, DemandDeterminant, QualityShares, PartDeterminants,
  Determinants, LineUnit, BillLine, BillHold, Bill, RatingOptions,
} from './billing/types.ts';
export { TariffSchema, type TariffFile } from './billing/tariff-schema.ts';
export { parseTariff } from './billing/parse-tariff.ts';
export { planPeriod, type PeriodPlan, type PlanPart } from './billing/period-plan.ts';
export {
  computeDeterminants, defaultIntervalMs, determinantsOf, slotData, traceIntervals, type SlotData,
} from './billing/determinants.ts';
export { defaultCompletenessLimit, periodOfMonth, rateBill, rateDeterminants } from './billing/rate-bill.ts';
export { minorToDecimal } from './billing/decimal.ts';
export {
  billedQuantities, decide, loadAccountsModel, rateItem, rebillPeriod, runBillingCycle, type BillRunDeps, type BillRunOptions,
} from './billing-runs/bill-run.ts';
export { correction, currentBill, documentId, fingerprintOf, type BillDocument, type PeriodKey } from './billing-runs/bill-documents.ts';
export {
  checkCycle, periodOfCycle, tariffsById, workItems, type AccountsModel, type SkippedItem, type WorkItem,
} from './billing-runs/work-items.ts';
export { servicePointSlots } from './billing-runs/service-point-slots.ts';
export { addDays, daysBetween, localDateTime, startOfDay } from './billing/local-time.ts';
export { rateRunning, runningCharges, runningItems, type RunningCharges, type RunningItem } from './billing-runs/running-charges.ts';
