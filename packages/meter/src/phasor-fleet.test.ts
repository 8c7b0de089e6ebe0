import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Q, type Snapshot } from '@phasewire/core';
import { createPhasorFleet, fleetScenarios } from './index.ts';

describe('createPhasorFleet', () => {
  it('makes a mixed, reproducible fleet and reads every meter at each step', () => {
    const start = Date.UTC(2026, 0, 1, 9);
    const read = (seed: number): Snapshot[] => {
      const fleet = createPhasorFleet(2 * fleetScenarios.length, seed, start);
      const out: Snapshot[] = [];
      fleet.advanceTo(start + 1000, (s, i) => { out[i] = s; });
      fleet.advanceTo(start + 2000, (s, i) => { out[i] = s; });
      return out;
    };
    const a = read(5);
    assert.equal(a.length, 2 * fleetScenarios.length);
    assert.equal(a[0]?.meter, 'fleet-000001');
    assert.ok(a.every((s) => s.at === Date.UTC(2026, 0, 1, 9, 0, 2)));
    assert.ok(a.every((s) => (s.values.get(Q.activePower) ?? 0) > 0));
    assert.deepEqual(read(5), a);
    // Another seed gives other CT errors to the meters behind CTs.
    const b = read(6);
    assert.ok(a.some((s, i) => s.values.get(Q.currentL1) !== b[i]?.values.get(Q.currentL1)));
  });
});
