// @phasewire/api: DTOs (the dashboard's contract), access rules, ports.
export * from './dto.ts';
export * from './billing-dto.ts';
export * from './firmware-dto.ts';
export * from './home-assistant.ts';
export * from './home-assistant-schema.ts';
export * from './access.ts';
export * from './ports.ts';
export * from './api-errors.ts';
export * from './meter-list.ts';
export * from './rate-limiter.ts';
export * from './latest-power-quality.ts';
export * from './power-quality-dto.ts';
export * from './alarm-service-port.ts';
export * from './export-dto.ts';
export { greenButtonFeed, type GreenButtonBill, type GreenButtonRequest, type GreenButtonSeries } from './export/greenbutton.ts';
export { billCsv, billCsvColumns, intervalCsv, intervalCsvColumns, type CsvBill, type CsvBillRow, type CsvIntervalSeries }
  from './export/csv-export.ts';
export { registerIntervals, type RegisterIntervals } from './export/export-data.ts';
export { checkTimeZone } from './export/time-zone.ts';
