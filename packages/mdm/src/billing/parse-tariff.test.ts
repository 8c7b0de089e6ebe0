import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { hasCode } from '@phasewire/core';
import { parseTariff } from './parse-tariff.ts';
import { planPeriod } from './period-plan.ts';

const tariffsDir = new URL('../../tariffs/', import.meta.url);
const base = {
  id: 'shop', version: 1, name: 'Shop', currency: 'EUR', timeZone: 'Europe/Berlin', effectiveFrom: '2026-01-01',
  schedule: {
    seasons: [{ id: 'summer', from: '04-01', to: '09-30' }, { id: 'winter', from: '10-01', to: '03-31' }],
    windows: [{ bucket: 'peak', seasons: ['winter'], dayTypes: ['weekday'], from: '08:00', to: '20:00' }],
    defaultBucket: 'off',
  },
  components: [
    { kind: 'energy-tou', id: 'energy', description: 'Energy', rates: { peak: '0.30', off: 0.15 } },
    { kind: 'energy-tiered', id: 'tiers', description: 'Tiers', blocks: [{ upToKwh: '100', rate: '0.1' }, { rate: '0.2' }] },
  ],
};

/** `base` with one change at a path: `['components', 0, 'rates']` → value (undefined deletes it). */
function changed(path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (value === undefined) Reflect.deleteProperty(node, last);
  else node[last] = value;
  return copy;
}

function refusal(data: unknown): string {
  try {
    parseTariff(data, 'shop.json');
  } catch (error) {
    assert.ok(hasCode(error, 'PW_ERR_TARIFF_INVALID'), String(error));
    return error.message;
  }
  return assert.fail('expected PW_ERR_TARIFF_INVALID');
}

describe('tariff files', () => {
  it('reads every sample tariff', () => {
    const files = readdirSync(tariffsDir).filter((f) => f.endsWith('.json'));
    assert.equal(files.length, 3);
    for (const file of files) {
      const tariff = parseTariff(JSON.parse(readFileSync(new URL(file, tariffsDir), 'utf8')), file);
      assert.equal(`${tariff.id}.json`, file);
      assert.equal(tariff.minorDigits, 2);
    }
  });

  it('keeps decimals exact and applies the defaults', () => {
    const tariff = parseTariff(base, 'shop.json');
    // The JSON number 0.15 is read back through its shortest form, "0.15".
    assert.deepEqual(tariff.components[0],
      { kind: 'energy-tou', id: 'energy', description: 'Energy', rates: { peak: '0.30', off: '0.15' } });
    assert.equal(tariff.rounding, 'half-up');
    assert.deepEqual(tariff.schedule?.holidays, []);
    assert.equal(parseTariff({ ...base, currency: 'JPY' }).minorDigits, 0);
  });

  it('names the field, what was found and what was expected', () => {
    const cases: readonly [unknown, string][] = [
      [changed(['currency'], undefined), 'field currency is missing, expected an ISO 4217 currency code (EUR, USD)'],
      [changed(['version'], 0), 'field version is 0, expected a whole number from 1 to 9007199254740991'],
      [changed(['colour'], 'red'), 'field colour is "red", expected no such field (allowed: id, version, name, currency, timeZone, '],
      [changed(['components', 0, 'kind'], 'energy-magic'), 'field components[0].kind is "energy-magic", expected one of fixed, '],
      [changed(['components', 0, 'rates', 'peak'], '0,30'), 'field components[0].rates.peak is "0,30", expected a non-negative decimal'],
      [changed(['components', 0, 'rates', 'peak'], 1e-7),
        'field components[0].rates.peak is 1e-7, expected a non-negative decimal without'],
      [changed(['schedule', 'windows', 0, 'from'], '8:00'),
        'field schedule.windows[0].from is "8:00", expected a time HH:MM from 00:00 to 24:00'],
      [changed(['timeZone'], 'Europe/Atlantis'), 'field timeZone is "Europe/Atlantis", expected an IANA time zone the platform knows'],
      [changed(['effectiveFrom'], '2026-02-30'), 'field effectiveFrom is "2026-02-30", expected a calendar date that exists'],
      [changed(['effectiveTo'], '2025-12-31'), 'field effectiveTo is "2025-12-31", expected a date after effectiveFrom (2026-01-01)'],
      [changed(['schedule', 'seasons', 1, 'to'], '02-30'),
        'field schedule.seasons[1].to is "2024-02-30", expected a calendar date that exists'],
      [changed(['schedule', 'windows', 0, 'seasons'], ['spring']),
        'field schedule.windows[0].seasons[0] is "spring", expected a season of '],
      [changed(['components', 0, 'rates', 'off'], undefined), 'field components[0].rates.off is missing, expected a rate for bucket off'],
      [changed(['components', 0, 'rates', 'shoulder'], '0.2'), 'field components[0].rates.shoulder is "0.2", expected a bucket of the '],
      [changed(['components', 1, 'blocks'], [{ upToKwh: '100', rate: '1' }, { upToKwh: '50', rate: '1' }, { rate: '1' }]),
        'field components[1].blocks[1].upToKwh is "50", expected a limit above 100 kWh (the blocks rise)'],
      [changed(['components', 1, 'blocks'], [{ upToKwh: '100', rate: '1' }]),
        'field components[1].blocks[0].upToKwh is "100", expected no limit'],
      [changed(['components', 1, 'id'], 'energy'), 'field components[1].id is "energy", expected an id no other component has'],
      [changed(['schedule'], undefined), 'field schedule is missing, expected a schedule, for the time-of-use charge components[0]'],
    ];
    for (const [data, message] of cases) {
      const text = refusal(data);
      assert.ok(text.startsWith('Cannot load tariff shop.json: '), text);
      assert.ok(text.includes(message), `${text}\n  should include\n${message}`);
    }
  });

  it('refuses a value that is not an object, and a power factor limit above 1', () => {
    assert.match(refusal(null), /field \(root\) is null, expected an object/u);
    const surcharge = { type: 'per-kwh', rate: '1' };
    const pf = { ...base, components: [{ kind: 'power-factor', id: 'pf', description: 'PF', pfLimit: '1.2', surcharge }] };
    assert.match(refusal(pf), /field components\[0\]\.pfLimit is "1\.2", expected a power factor above 0 and at most 1/u);
  });

  it('refuses a file nested too deep for the stack with the field, not a stack overflow', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.match(refusal({ ...base, components: deep }), /field components\[0\] is \[\[\[.*expected an object/u);
  });

  it('refuses a version no store can hold exactly, a currency ISO 4217 does not have and an offset as a time zone', () => {
    assert.match(refusal({ ...base, version: 2 ** 60 }), /field version is 1152921504606847000, expected a whole number from 1 to/u);
    assert.match(refusal({ ...base, version: 1e308 }), /field version is 1e\+308, expected a whole number from 1 to/u);
    // Intl formats any three capital letters (with 2 digits); XXX is "no currency", XAU an ounce of gold.
    for (const currency of ['ABC', 'XXX', 'XAU']) {
      assert.match(refusal({ ...base, currency }), new RegExp(`field currency is "${currency}", expected an ISO 4217 currency code`, 'u'));
    }
    assert.match(refusal({ ...base, timeZone: '+05:30' }), /field timeZone is "\+05:30", expected an IANA time zone/u);
    assert.match(refusal({ ...base, name: 'x'.repeat(10_000_000) }),
      /field name is "x+…, expected a non-empty string of at most 256 characters/u);
  });

  it('spells a time zone as the database does, so two versions written in other cases are one tariff', () => {
    assert.equal(parseTariff({ ...base, timeZone: 'europe/berlin' }).timeZone, 'Europe/Berlin');
    assert.equal(parseTariff({ ...base, timeZone: 'utc' }).timeZone, 'UTC');
    assert.equal(parseTariff({ ...base, timeZone: 'Asia/Kathmandu' }).timeZone, 'Asia/Kathmandu', 'a name ICU links elsewhere is kept');
    const v2 = parseTariff({ ...base, version: 2, timeZone: 'EUROPE/BERLIN', effectiveFrom: '2026-01-15' });
    const plan = planPeriod([parseTariff(base), v2], { start: '2026-01-01', end: '2026-02-01' });
    assert.deepEqual(plan.parts.map((p) => p.tariff.version), [1, 2]);
  });
});
