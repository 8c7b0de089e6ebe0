// Inputs at the edges of what rating can hold: amounts and energies beyond a float64's exact
// integers, names that are also Object.prototype properties, days whose midnight does not exist,
// version lists and interval lengths that do not fit. Each is billed right or refused; none may
// come out silently wrong. Amounts are in cents.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '@phasewire/core';
import { intervalSeries, testTariff } from '../testing/billing-fixtures.ts';
import { addDays } from './local-time.ts';
import { planPeriod } from './period-plan.ts';
import { rateBill, rateDeterminants } from './rate-bill.ts';
import { computeDeterminants } from './determinants.ts';
import type { IntervalInput } from './types.ts';

const day = { start: '2026-01-01', end: '2026-01-02' };

describe('rating at the edges', () => {
  it('refuses a total beyond a safe integer rather than add it up inexactly', () => {
    // 80 000 000 000 000.00 + 80 000 000 000 000.01: each line is a safe integer of cents, their sum
    // 16 000 000 000 000 001 is not (a float64 sum gives …000 000).
    const tariff = testTariff({
      components: [
        { kind: 'fixed', id: 'a', description: 'A', per: 'period', amount: '80000000000000' },
        { kind: 'fixed', id: 'b', description: 'B', per: 'period', amount: '80000000000000.01' },
      ],
    });
    assert.throws(() => rateBill(tariff, day, []), (e) => hasCode(e, 'PW_ERR_INVALID_ARGUMENT') && /16000000000000001/u.test(e.message));
    // A tax's base is the exact sum: 1 % of 45 035 996 273 704.96 + 45 035 996 273 704.97 = 900 719 925 474.0993.
    const taxed = testTariff({
      components: [
        { kind: 'fixed', id: 'a', description: 'A', per: 'period', amount: '45035996273704.96' },
        { kind: 'fixed', id: 'b', description: 'B', per: 'period', amount: '45035996273704.97' },
        { kind: 'tax', id: 'tax', description: 'Tax', percent: '1' },
      ],
    });
    assert.throws(() => rateBill(taxed, day, []), (e) => hasCode(e, 'PW_ERR_INVALID_ARGUMENT'));
    const small = testTariff({
      components: [
        { kind: 'fixed', id: 'a', description: 'A', per: 'period', amount: '40000000000000.01' },
        { kind: 'fixed', id: 'b', description: 'B', per: 'period', amount: '40000000000000.01' },
        { kind: 'tax', id: 'tax', description: 'Tax', percent: '1' },
      ],
    });
    // 8 000 000 000 000 002 cents; tax 1 % = 80 000 000 000 000.02 → total 8 080 000 000 000 002, under 2^53 ≈ 9.007e15
    const bill = rateBill(small, day, []);
    assert.deepEqual(bill.lines.map((l) => l.amount.minor), [4000000000000001, 4000000000000001, 80000000000000]);
    assert.equal(bill.total.minor, 8080000000000002);
  });
});

describe('determinants at the edges', () => {
  it('refuses energy that sums beyond what a float64 holds exactly, rather than round it', () => {
    const tariff = testTariff({ components: [{ kind: 'energy-flat', id: 'e', description: 'E', rate: '0.1' }] });
    // 96 × 9 000 000 000 001 Wh = 864 000 000 000 096 000 000 mWh: a float64 sum is off (…096 kWh came out …09728)
    assert.throws(() => rateBill(tariff, day, intervalSeries(tariff, day, () => ({ importWh: 9e12 + 1 }))),
      (e) => hasCode(e, 'PW_ERR_BILLING_INPUT') && /import sums to/u.test(e.message));
    assert.throws(() => rateBill(tariff, day, intervalSeries(tariff, day, (p) => ({ importWh: 0, exportWh: p.slot === 0 ? 1e300 : 0 }))),
      (e) => hasCode(e, 'PW_ERR_BILLING_INPUT') && /export sums to/u.test(e.message));
    // 96 × 93 823 560 581 Wh = 9 007 061 815.776 kWh, exactly: just under the limit of 9 007 199 254 740 991 mWh
    const big = rateBill(tariff, day, intervalSeries(tariff, day, () => ({ importWh: 93823560581 })));
    assert.equal(big.determinants.importKwh, '9007061815.776');
  });
});

describe('names that are also properties of every object', () => {
  it('asks a rate for a bucket named constructor or toString, rather than fail when rating', () => {
    for (const bucket of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const file = {
        schedule: { windows: [{ bucket, dayTypes: ['weekday', 'weekend'], from: '08:00', to: '20:00' }], defaultBucket: 'off' },
        components: [{ kind: 'energy-tou', id: 'e', description: 'E', rates: { off: '0.1' } }],
      };
      assert.throws(() => testTariff(file),
        (e) => hasCode(e, 'PW_ERR_TARIFF_INVALID') && e.message.includes(`a rate for bucket ${bucket}`));
      const rates = { off: '0.1', [bucket]: '0.2' };
      const tariff = testTariff({ ...file, components: [{ kind: 'energy-tou', id: 'e', description: 'E', rates }] });
      // 12 h at 1 kW = 12 kWh × 0.2 = 2.40; 12 kWh × 0.1 = 1.20
      assert.equal(rateBill(tariff, day, intervalSeries(tariff, day, () => ({ importWh: 250 }))).total.minor, 360);
    }
  });

  it('refuses an interval whose quality is an Object.prototype name, rather than bill it as missing and twice', () => {
    const tariff = testTariff({ components: [{ kind: 'energy-flat', id: 'e', description: 'E', rate: '1' }] });
    const end = Date.UTC(2026, 0, 1, 0, 15);
    for (const quality of ['toString', 'constructor', '__proto__']) {
      const twice = [{ end, importWh: 1000, quality }, { end, importWh: 1000, quality }] as unknown as IntervalInput[];
      assert.throws(() => rateBill(tariff, day, twice), (e) => hasCode(e, 'PW_ERR_BILLING_INPUT') && e.message.includes('expected one of'));
    }
  });

  it('refuses an empty or absent quality, first or after a valid one', () => {
    const tariff = testTariff({ components: [{ kind: 'energy-flat', id: 'e', description: 'E', rate: '1' }] });
    const at = (k: number): number => Date.UTC(2026, 0, 1, 0, 15 * k);
    for (const quality of ['', undefined]) {
      const first = [{ end: at(1), importWh: 1000, quality }] as unknown as IntervalInput[];
      const after = [{ end: at(1), importWh: 1000, quality: 'validated' }, { end: at(2), importWh: 1000, quality }] as unknown as
        IntervalInput[];
      for (const intervals of [first, after]) {
        assert.throws(() => rateBill(tariff, day, intervals),
          (e) => hasCode(e, 'PW_ERR_BILLING_INPUT') && e.message.includes('expected one of'));
      }
    }
  });
});

describe('local days at the edges', () => {
  it('puts intervals in their wall-clock window on a day whose midnight does not exist', () => {
    // America/Santiago 2026-09-06: clocks go from 24:00 to 01:00, so the day starts at 01:00 (04:00 UTC) and has 92
    // quarter hours. Window 00:00–02:00 takes 01:00–02:00 only: 1 kWh at 1 kW; the other 22 h are off.
    // Asia/Beirut 2026-03-29 and America/Havana 2026-03-08 skip midnight the same way.
    for (const [timeZone, date] of [['America/Santiago', '2026-09-06'], ['Asia/Beirut', '2026-03-29'], ['America/Havana', '2026-03-08']]) {
      const tariff = testTariff({
        timeZone, effectiveFrom: '2026-01-01',
        schedule: { windows: [{ bucket: 'early', dayTypes: ['weekday', 'weekend'], from: '00:00', to: '02:00' }], defaultBucket: 'off' },
        components: [{ kind: 'energy-flat', id: 'e', description: 'E', rate: '1' }],
      });
      const period = { start: date as string, end: addDays(date as string, 1) };
      const { determinants } = rateBill(tariff, period, intervalSeries(tariff, period, () => ({ importWh: 250 })));
      assert.deepEqual(determinants.parts[0]?.buckets.map((b) => b.quantity), ['1', '22'], `${timeZone} ${date}`);
    }
  });
});

describe('tariff versions and periods at the edges', () => {
  it('refuses two different versions under one number, whose bill would depend on their order', () => {
    const flat = (rate: string) => testTariff({ components: [{ kind: 'energy-flat', id: 'e', description: 'E', rate }] });
    const [a, b] = [flat('1'), flat('2')];
    // Before: [a, b] billed 24 kWh × 1 = 24.00 and [b, a] 24 kWh × 2 = 48.00.
    for (const versions of [[a, b], [b, a]]) {
      assert.throws(() => rateBill(versions, day, intervalSeries(a, day, () => ({ importWh: 250 }))),
        (e) => hasCode(e, 'PW_ERR_TARIFF_NOT_EFFECTIVE') && e.message.includes('two different versions numbered 1'));
    }
    assert.equal(rateBill([a, a], day, intervalSeries(a, day, () => ({ importWh: 250 }))).total.minor, 2400);
  });
});

describe('interval lengths', () => {
  it('refuses an interval length that does not divide the demand windows, rather than take a demand of no interval', () => {
    const tariff = testTariff({ components: [{ kind: 'demand', id: 'd', description: 'D', windowMinutes: 15, rate: '1' }] });
    // 1 h intervals made a 15-minute window a quarter of an interval (no demand, "at" set, no ends); −900000 threw a RangeError;
    // 1 ms planned 86 400 000 slots a day.
    for (const intervalMs of [3_600_000, -900_000, 1, 0, 450_000.5, Number.NaN]) {
      assert.throws(() => rateBill(tariff, day, [], { intervalMs }),
        (e) => hasCode(e, 'PW_ERR_BILLING_INPUT') && e.message.includes(`intervals of ${intervalMs} ms`), String(intervalMs));
    }
    // 5-minute intervals: a 15-minute demand is three of them. 1.2 kWh in each of 00:00–00:15 is 14.4 kW.
    const bill = rateBill(tariff, day, intervalSeries(tariff, day, (p) => ({ importWh: p.slot < 3 ? 1200 : 0 }), 300_000),
      { intervalMs: 300_000 });
    assert.deepEqual(bill.determinants.parts[0]?.demands.map((d) => [d.quantity, d.trace.ends?.length]), [['14.4', 3]]);
  });
});

describe('tariff sizes', () => {
  it('refuses a tariff too large to plan in bounded time, and an over-long decimal', () => {
    const window = (k: number) => ({ bucket: `b${k}`, dayTypes: ['weekday', 'weekend'], from: '23:00', to: '23:15' });
    const flat = [{ kind: 'energy-flat', id: 'e', description: 'E', rate: '1' }];
    const refused = (fields: Record<string, unknown>, field: string): void => {
      assert.throws(() => testTariff(fields), (e) => hasCode(e, 'PW_ERR_TARIFF_INVALID') && e.message.includes(field), field);
    };
    // 10 000 windows of distinct buckets took 16 s to plan one month; 1 000 take well under a second.
    refused({ schedule: { windows: Array.from({ length: 1001 }, (_, k) => window(k)), defaultBucket: 'off' }, components: flat },
      'field schedule.windows');
    testTariff({ schedule: { windows: Array.from({ length: 1000 }, (_, k) => window(k)), defaultBucket: 'off' }, components: flat });
    const blocks = [...Array.from({ length: 100 }, (_, k) => ({ upToKwh: String(k + 1), rate: '0.1' })), { rate: '0.2' }];
    refused({ components: [{ kind: 'energy-tiered', id: 'e', description: 'E', blocks }] }, 'field components[0].blocks');
    refused({ components: Array.from({ length: 101 }, (_, k) => ({ ...flat[0], id: `e${k}` })) }, 'field components');
    // A 400-digit rate was read, and every bill on it failed; 32 characters hold any real rate.
    refused({ components: [{ ...flat[0], rate: '1'.repeat(400) }] }, 'at most 32 characters');
    assert.equal(testTariff({ components: [{ ...flat[0], rate: `0.${'1'.repeat(30)}` }] }).components.length, 1);
  });
});

describe('period lengths', () => {
  it('bills ten years, and refuses a longer period rather than allocate for centuries', () => {
    const daily = { kind: 'fixed', id: 'f', description: 'F', per: 'day', amount: '1' };
    const tariff = testTariff({ effectiveFrom: '1900-01-01', components: [daily] });
    // 2026-01-01 to 2036-01-01: 3 652 days (2028 and 2032 are leap years) × 1.00
    assert.equal(rateBill(tariff, { start: '2026-01-01', end: '2036-01-01' }, []).total.minor, 365200);
    assert.throws(() => rateBill(tariff, { start: '1900-01-01', end: '2900-01-01' }, []),
      (e) => hasCode(e, 'PW_ERR_BILLING_INPUT') && e.message.includes('at most 3660 days'));
  });

  it('keeps more than 255 parts apart', () => {
    // A version a day for 300 days: part 256 was part 0 again in a byte.
    const versions = Array.from({ length: 300 }, (_, k) => testTariff({
      version: k + 1, effectiveFrom: addDays('2026-01-01', k), components: [{ kind: 'energy-flat', id: 'e', description: 'E', rate: '1' }],
    }));
    const plan = planPeriod(versions, { start: '2026-01-01', end: addDays('2026-01-01', 300) });
    assert.equal(plan.parts.length, 300);
    assert.equal(plan.partOf[299 * 96], 299);
  });
});

describe('determinants rated again', () => {
  it('refuses determinants computed on other versions than those it rates them on', () => {
    const flat = (version: number, effectiveFrom: string, rate: string) =>
      testTariff({ version, effectiveFrom, components: [{ kind: 'energy-flat', id: 'e', description: 'E', rate }] });
    const [v1, v2] = [flat(1, '2026-01-01', '1'), flat(2, '2026-01-16', '100')];
    const month = { start: '2026-01-01', end: '2026-02-01' };
    const onV1 = computeDeterminants(v1, month, intervalSeries(v1, month, () => ({ importWh: 250 })));
    // Before: the bill said versions [1, 2] and rated all 31 days at version 1's rate.
    assert.throws(() => rateDeterminants([v1, v2], onV1),
      (e) => hasCode(e, 'PW_ERR_TARIFF_NOT_EFFECTIVE') && e.message.includes('1 part(s)'));
    assert.equal(rateDeterminants(v1, onV1).total.minor, 74400);
  });
});

describe('decimals written as JSON numbers', () => {
  it('refuses a number with more significant digits than a float64 gives back, rather than bill another rate', () => {
    const rated = (rate: unknown) => testTariff({ components: [{ kind: 'energy-flat', id: 'e', description: 'E', rate }] }).components[0];
    // JSON.parse gives 123456789012345680000 for 123456789012345678901, and 0.12345678901234568 for 0.12345678901234567890.
    for (const rate of [JSON.parse('123456789012345678901') as number, JSON.parse('0.12345678901234567890') as number, 0.1 + 0.2]) {
      assert.throws(() => rated(rate), (e) => hasCode(e, 'PW_ERR_TARIFF_INVALID') && e.message.includes('at most 15 significant digits'));
    }
    const read = [0.123456789012345, 100000000000000000000, 0.000001, 12.5].map((rate) => rated(rate));
    assert.deepEqual(read.map((c) => c !== undefined && 'rate' in c && c.rate),
      ['0.123456789012345', '100000000000000000000', '0.000001', '12.5']);
    assert.equal(rated('0.12345678901234567890')?.kind, 'energy-flat');
  });
});

describe('windows at midnight', () => {
  it('takes 24:00 only as the end of a window', () => {
    const schedule = (from: string, to: string) => ({
      schedule: { windows: [{ bucket: 'peak', dayTypes: ['weekday', 'weekend'], from, to }], defaultBucket: 'off' },
      components: [{ kind: 'energy-flat', id: 'e', description: 'E', rate: '1' }],
    });
    // 24:00–00:00 was accepted and matched no interval; 24:00–06:00 silently meant 00:00–06:00.
    for (const to of ['00:00', '06:00']) {
      assert.throws(() => testTariff(schedule('24:00', to)),
        (e) => hasCode(e, 'PW_ERR_TARIFF_INVALID') && e.message.includes('field schedule.windows[0].from is "24:00"'));
    }
    const tariff = testTariff(schedule('18:00', '24:00'));
    const { determinants } = rateBill(tariff, day, intervalSeries(tariff, day, () => ({ importWh: 250 })));
    assert.deepEqual(determinants.parts[0]?.buckets.map((b) => b.quantity), ['6', '18']);
  });
});
