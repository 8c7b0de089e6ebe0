import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Q, type Snapshot } from '@phasewire/core';
import { checkVoltageRange } from './voltage-range.ts';
import { meterMeta, monday } from '../testing/mdm-test-kit.ts';

const snapshot = (l1: number, l2: number, l3: number): Snapshot => ({
  meter: meterMeta().meter, at: monday, values: new Map([[Q.voltageL1, l1], [Q.voltageL2, l2], [Q.voltageL3, l3]]),
});

describe('VEE-VOLTAGE-RANGE', () => {
  it('flags phases outside 230 V ± 10 % (207 to 253 V) without changing anything', () => {
    const findings = checkVoltageRange([snapshot(230, 205, 254)], meterMeta());
    assert.deepEqual(findings.map((f) => [f.rule, f.action]), [['VEE-VOLTAGE-RANGE', 'flag']]);
    assert.match(findings[0]?.reason ?? '', /L2 205 V, L3 254 V outside 207 to 253 V/);
  });

  it('accepts voltages at the band edges', () => {
    assert.deepEqual(checkVoltageRange([snapshot(207, 253, 230)], meterMeta()), []);
  });
});
