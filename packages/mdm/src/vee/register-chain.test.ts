import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { wattHours } from '@phasewire/core';
import { buildRegisterChain, maxEnergyWh } from './register-chain.ts';
import { veeParameters } from './parameters.ts';
import { meterMeta, monday, quarterHour } from '../testing/mdm-test-kit.ts';
import type { RegisterRead } from '../types.ts';

const p = veeParameters();
const t = (k: number): number => monday + k * quarterHour;
const series = (...values: number[]): RegisterRead[] => values.map((value, k) => ({ at: t(k), value }));
const energies = (reads: readonly RegisterRead[], meta = meterMeta()): (number | null)[] =>
  buildRegisterChain(reads, meta, p).steps.map((s) => s.energy);

describe('the register chain', () => {
  it('gives the plain differences of a monotonic register and no finding', () => {
    const chain = buildRegisterChain(series(100, 150, 190, 200), meterMeta(), p);
    assert.deepEqual(chain.steps.map((s) => s.energy), [50, 40, 10]);
    assert.deepEqual(chain.findings, []);
  });

  it('allows the energy the meter can measure: 3 × 230 V × 100 A × 1.2 for 15 minutes is 20.7 kWh', () => {
    assert.equal(maxEnergyWh(meterMeta(), quarterHour, p), 20_700);
  });
});

describe('VEE-ROLLOVER against VEE-METER-EXCHANGE', () => {
  it('computes the consumption across a wrap at the 10^8 Wh modulus', () => {
    const chain = buildRegisterChain(series(99_999_000, 99_999_800, 300, 1_100), meterMeta(), p);
    assert.deepEqual(chain.steps.map((s) => s.energy), [800, 500, 800]);
    assert.deepEqual(chain.steps[1]?.correction?.rule, 'VEE-ROLLOVER');
    assert.deepEqual(chain.findings.map((f) => [f.rule, f.at, f.action]), [['VEE-ROLLOVER', t(2), 'correct']]);
  });

  it('does not take a drop far from the modulus for a wrap', () => {
    // 50 000 000 → 300 would be a 50 MWh wrap in 15 minutes: impossible, so not a rollover.
    const chain = buildRegisterChain(series(50_000_000, 50_000_500, 300, 900), meterMeta(), p);
    assert.ok(!chain.findings.some((f) => f.rule === 'VEE-ROLLOVER'));
    assert.deepEqual(chain.findings.map((f) => [f.rule, f.action]), [['VEE-METER-EXCHANGE', 'reject']]);
    assert.deepEqual(chain.steps.map((s) => s.energy), [500, null, 600]);
  });

  it('computes the exact consumption across a recorded exchange: old tail plus new head', () => {
    const meta = meterMeta({ exchanges: [{ at: t(2) - 60_000, oldFinalRead: 50_000_700, newInitialRead: 12 }] });
    const chain = buildRegisterChain(series(50_000_000, 50_000_500, 400, 1_000), meta, p);
    // (50 000 700 − 50 000 500) + (400 − 12) = 588 Wh.
    assert.deepEqual(chain.steps.map((s) => s.energy), [500, 588, 600]);
    assert.equal(chain.steps[1]?.correction?.rule, 'VEE-METER-EXCHANGE');
    assert.deepEqual(chain.findings.map((f) => [f.rule, f.action]), [['VEE-METER-EXCHANGE', 'correct']]);
  });

  it('prefers a recorded exchange to a wrap even near the modulus', () => {
    const meta = meterMeta({ exchanges: [{ at: t(1), oldFinalRead: 99_999_900, newInitialRead: 0 }] });
    const chain = buildRegisterChain(series(99_999_800, 50), meta, p);
    assert.deepEqual(chain.steps.map((s) => [s.energy, s.correction?.rule]), [[150, 'VEE-METER-EXCHANGE']]);
  });

  it('refuses an exchange record that contradicts the reads', () => {
    const meta = meterMeta({ exchanges: [{ at: t(1), oldFinalRead: 100, newInitialRead: 0 }] });
    assert.deepEqual(energies(series(5_000, 50), meta), [null]);
  });

  it('treats a changed serial number without a record as an exchange with unknown energy', () => {
    const reads: RegisterRead[] = [{ at: t(0), value: 5_000, serial: 'A1' }, { at: t(1), value: 5_400, serial: 'A1' },
      { at: t(2), value: 30, serial: 'B7' }, { at: t(3), value: 90, serial: 'B7' }];
    const chain = buildRegisterChain(reads, meterMeta(), p);
    assert.deepEqual(chain.steps.map((s) => s.energy), [400, null, 60]);
    assert.equal(chain.findings[0]?.rule, 'VEE-METER-EXCHANGE');
  });
});

describe('VEE-REGISTER-BACKWARDS', () => {
  it('rejects a single read that jumps up and back: the naive spike', () => {
    const chain = buildRegisterChain(series(1_000, 1_500, 9_000_000, 2_500, 3_000), meterMeta(), p);
    assert.deepEqual(chain.reads.map((r) => r.value), [1_000, 1_500, 2_500, 3_000]);
    assert.deepEqual(chain.steps.map((s) => [s.from, s.to, s.energy]), [[t(0), t(1), 500], [t(1), t(3), 1_000], [t(3), t(4), 500]]);
    assert.deepEqual(chain.findings.map((f) => [f.rule, f.at, f.action]), [['VEE-REGISTER-BACKWARDS', t(2), 'reject']]);
  });

  it('rejects a single read that drops to zero and back (a reboot glitch)', () => {
    const chain = buildRegisterChain(series(1_000, 1_500, 0, 2_500), meterMeta(), p);
    assert.deepEqual(chain.reads.map((r) => r.value), [1_000, 1_500, 2_500]);
    assert.deepEqual(chain.findings.map((f) => [f.rule, f.at]), [['VEE-REGISTER-BACKWARDS', t(2)]]);
  });

  it('rejects the earlier read when it, not the later, is the odd one out', () => {
    // 1 400 is within what the meter could measure, so it is only found out by the read after it.
    const chain = buildRegisterChain(series(1_000, 1_400, 1_020, 1_030), meterMeta(), p);
    assert.deepEqual(chain.reads.map((r) => r.value), [1_000, 1_020, 1_030]);
    assert.deepEqual(chain.findings.map((f) => [f.rule, f.at]), [['VEE-REGISTER-BACKWARDS', t(1)]]);
  });

  it('takes a register that goes back and stays back as a new baseline with unknown energy', () => {
    const chain = buildRegisterChain(series(80_000, 80_500, 40_000, 40_400, 40_900), meterMeta(), p);
    assert.deepEqual(chain.steps.map((s) => s.energy), [500, null, 400, 500]);
    assert.deepEqual(chain.findings.map((f) => [f.rule, f.action]), [['VEE-REGISTER-BACKWARDS', 'reject']]);
  });

  it('holds back judgement on the newest read when it goes backwards', () => {
    const chain = buildRegisterChain(series(80_000, 80_500, 40_000), meterMeta(), p);
    assert.deepEqual(chain.reads.map((r) => r.value), [80_000, 80_500]);
  });

  it('does not apply to a register that only rises', () => {
    assert.deepEqual(buildRegisterChain(series(1, 2, 3), meterMeta(), p).findings, []);
  });
});

describe('VEE-HIGH-LOW on the register', () => {
  it('does not trust a rise larger than the meter can measure that does not come back', () => {
    const chain = buildRegisterChain(series(1_000, 1_500, 5_000_000, 5_000_500), meterMeta({ registerModulus: wattHours(1e9) }), p);
    assert.deepEqual(chain.steps.map((s) => s.energy), [500, null, 500]);
    assert.deepEqual(chain.findings.map((f) => [f.rule, f.action]), [['VEE-HIGH-LOW', 'reject']]);
  });
});
