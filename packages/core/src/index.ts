// @phasewire/core: the pure domain. No I/O, no environment, no wall clock.
export * from './units.ts';
export * from './ids.ts';
export * from './errors.ts';
export * from './ports.ts';
export * from './obis.ts';
export * from './catalogue.ts';
export * from './reading.ts';
export * from './protocol/reading-batch.ts';
export * from './protocol/topics.ts';
export * from './math/complex.ts';
export * from './math/three-phase.ts';
export * from './math/rms.ts';
export * from './math/power.ts';
export * from './math/symmetrical.ts';
export * from './math/unbalance.ts';
export * from './math/neutral.ts';
export * from './math/thd.ts';
