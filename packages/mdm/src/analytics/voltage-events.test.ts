import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ThreePhase } from '@phasewire/core';
import { detectVoltageEvents, type RmsSample } from './voltage-events.ts';

const samples = (rows: ThreePhase<number>[]): RmsSample[] => rows.map((voltages, k) => ({ at: k * 200, voltages }));
const un = 230;

describe('sags, swells and interruptions (IEC 61000-4-30)', () => {
  it('starts a sag below 90 % on any phase and ends it only when every phase is back at 92 %', () => {
    const events = detectVoltageEvents(samples([
      [230, 230, 230], [230, 200, 230], [230, 190, 230], [230, 209, 230], [230, 212, 230], [230, 230, 230],
    ]), un);
    // 209 V is above 90 % (207 V) but below 92 % (211.6 V): the sag goes on until 212 V at 800 ms.
    assert.deepEqual(events,
      [{ kind: 'sag', start: 200, end: 800, durationMs: 600, extreme: 190, extremeRatio: 190 / 230, phases: ['L2'] }]);
  });

  it('does not flap on a voltage that hovers around the threshold: hysteresis 2 %', () => {
    const rows: ThreePhase<number>[] = Array.from({ length: 20 }, (_, k) => [k % 2 === 0 ? 206 : 208, 230, 230]);
    rows.push([230, 230, 230]);
    const events = detectVoltageEvents(samples(rows), un);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.durationMs, 4_000);
  });

  it('reports a swell above 110 % until every phase is at or below 108 %', () => {
    const events = detectVoltageEvents(samples([[230, 230, 230], [255, 230, 230], [250, 230, 230], [248, 230, 230]]), un);
    assert.deepEqual(events.map((e) => [e.kind, e.start, e.end, e.extreme]), [['swell', 200, 600, 255]]);
  });

  it('reports an interruption only when every phase is below 5 %, together with its sag', () => {
    const oneLost = detectVoltageEvents(samples([[230, 230, 0], [230, 230, 0], [230, 230, 230]]), un);
    assert.deepEqual(oneLost.map((e) => e.kind), ['sag']);
    const all = detectVoltageEvents(samples([[230, 230, 230], [5, 3, 2], [10, 3, 2], [20, 20, 20], [230, 230, 230]]), un);
    // 10 V is below 7 % (16.1 V) so the interruption lasts until 20 V at 600 ms; the sag until 800 ms.
    assert.deepEqual(all.map((e) => [e.kind, e.start, e.end]), [['interruption', 200, 600], ['sag', 200, 800]]);
  });

  it('leaves an event open at the end of the samples', () => {
    const events = detectVoltageEvents(samples([[230, 230, 230], [150, 150, 150]]), un);
    assert.deepEqual(events.map((e) => [e.kind, e.end, e.durationMs, e.phases]), [['sag', null, null, ['L1', 'L2', 'L3']]]);
  });

  it('reports nothing for a supply within limits', () => {
    assert.deepEqual(detectVoltageEvents(samples([[208, 252, 230], [230, 230, 230]]), un), []);
  });
});
