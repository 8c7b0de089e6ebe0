// @phasewire/store: the meter-data store port, the interface and its plain data, pure (no I/O).
// Implementations are in src/node/ (exported from @phasewire/store/node).
export type {
  MeterStore, AppendResult, ReadingConflict, Provenance, IntervalWrite, IntervalWriteResult, IntervalChange, DayCompleteness,
  MaintenanceReport, PurgeReport,
} from './meter-store.ts';
export type { Rollup, RollupBasis } from './aggregates.ts';
export type { IntervalValue } from './intervals.ts';
export {
  IntervalTableBuilder, intervalSeries, qualityOfCode, type IntervalTable, type IntervalTableQuery,
} from './interval-table.ts';
export { fleetValue, type FleetInterval } from './fleet-interval.ts';
export { intervalQualities, intervalStages, type IntervalQuality, type IntervalStage } from './quality.ts';
export { dayMs, intervalMs, intervalsPerDay, rollupPeriods, type RollupPeriod, type TimeRange } from './periods.ts';
export { dataClasses, parseRetentionPolicy, type DataClass, type RetentionPolicy } from './retention.ts';
export { parseStoreConfig, type StoreConfig } from './store-config.ts';
export {
  activeAlarmStates, alarmId, type MdmStateStore, type MdmWatermark, type MdmCommit, type AlarmSlotRecord, type AlarmRecord,
    type AlarmRecordState,
  type AlarmTransitionDraft, type AlarmTransitionRecord, type AlarmQuery, type AlarmTransitionQuery,
} from './mdm-state.ts';
export {
  emptyRunCounts, overlaps, type AccountRecord, type AuditDraft, type AuditQuery, type AuditRecord, type BillKind, type BillQuery,
  type BillRecord, type BillRunCounts, type BillRunRecord, type BillRunState, type BillStatus, type BillingCommit, type BillingCycle,
  type BillingStore, type Effective, type MeterInstallation, type RunItemKey, type ServicePointLink, type ServicePointRecord,
  type TariffAssignment, type TariffVersionRecord,
} from './billing-state.ts';
export type {
  CampaignDeviceQuery, CampaignDeviceRecord, CampaignRecord, CampaignSelector, CampaignStateCount, CampaignStatus, CampaignStore,
  DeviceLabels, MaintenanceWindow,
} from './campaign-state.ts';
