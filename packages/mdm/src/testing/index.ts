// @phasewire/mdm/testing: meter metadata, load profiles and register reads for tests (tests and benchmarks only).
export { loadProfile, meterMeta, monday, quarterHour, registerReads, trueEnergy } from './mdm-test-kit.ts';
export { billedReads, flatTariff, january, quarter } from './billing-test-kit.ts';
export { intervalSeries, sampleTariff, testTariff, type IntervalPlace } from './billing-fixtures.ts';
