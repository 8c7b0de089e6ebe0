import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Q, type MeterId } from '@phasewire/core';
import { IntervalTableBuilder, type MeterInstallation } from '@phasewire/store';
import { planPeriod } from '../billing/period-plan.ts';
import { sampleTariff } from '../testing/billing-fixtures.ts';
import { billedQuantities } from './bill-run.ts';
import { servicePointSlots } from './service-point-slots.ts';

const plan = planPeriod(sampleTariff('commercial-tou-berlin'), { start: '2026-03-01', end: '2026-03-03' });
const meters = ['m-a', 'm-b'] as MeterId[];
const rows = new Map(meters.map((m, i) => [m as string, i]));

/** A table of two meters: meter a with import and reactive import reads (some missing), meter b with none. */
function table(reads: readonly (number | null)[]) {
  const builder = new IntervalTableBuilder({ range: { from: plan.from, to: plan.to }, quantities: billedQuantities, meters },
    billedQuantities.map(() => 1000));
  let register = 5_000_000;
  reads.forEach((growth, i) => {
    register += growth ?? 0;
    if (growth === null) return;
    builder.read(0, 0, plan.from + i * plan.intervalMs, register);
    builder.read(0, billedQuantities.indexOf(Q.reactiveEnergyImport), plan.from + i * plan.intervalMs, Math.round(register / 3));
  });
  builder.deltas();
  return builder.build();
}

describe('placing a service point in its slots', () => {
  it('gives the same slots from a reused buffer (the one-meter path) as from a fresh one (the general path)', () => {
    const n = plan.slotCount;
    fc.assert(fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 4000 }), { freq: 8 }), { minLength: n + 1, maxLength: n + 1 }),
      fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n }), fc.constantFrom('m-a', 'm-b', 'm-x'), (reads, a, b, name) => {
        const meter = name as MeterId;
        const t = table(reads);
        const installation: MeterInstallation = { servicePoint: 'sp', meter, from: plan.from + Math.min(a, b) * plan.intervalMs,
          to: plan.from + Math.max(a, b) * plan.intervalMs };
        const supplied = { from: plan.from, to: plan.to };
        // A dirty buffer: the slots of meter a over the whole period.
        const dirty = servicePointSlots(plan, t, rows, [{ ...installation, meter: 'm-a' as MeterId, from: plan.from, to: null }], supplied);
        const reused = servicePointSlots(plan, t, rows, [installation], supplied, dirty);
        // The general path: a second installation of a meter the table does not know adds nothing.
        const general = servicePointSlots(plan, t, rows, [installation, { ...installation, meter: 'm-unknown' as MeterId }], supplied);
        assert.deepEqual([...reused.importMwh], [...general.importMwh]);
        assert.deepEqual([...reused.reactiveImportMvarh], [...general.reactiveImportMvarh]);
        assert.deepEqual([...reused.exportMwh], [...general.exportMwh]);
        assert.deepEqual([...reused.quality], [...general.quality]);
      }), { numRuns: 60 });
  });
});
