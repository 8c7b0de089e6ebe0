import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { intervalSeries, sampleTariff } from '../testing/billing-fixtures.ts';
import { addDays } from '../billing/local-time.ts';
import { rateBill } from '../billing/rate-bill.ts';
import { documentTexts, fingerprintOf, fnv1a64, type BillDocument } from './bill-documents.ts';

/** FNV-1a 64 as the fingerprints of stored bills were first made (a bigint per character): the fast one must give the same text. */
function fnvBigint(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) hash = BigInt.asUintN(64, (hash ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n);
  return hash.toString(16).padStart(16, '0');
}

describe('bill fingerprints', () => {
  it('are FNV-1a 64 of the text, as bigint arithmetic gives it, for any UTF-16 text', () => {
    // Published FNV-1a 64 test vectors: "" and "a".
    assert.equal(fnv1a64(''), 'cbf29ce484222325');
    assert.equal(fnv1a64('a'), 'af63dc4c8601ec8c');
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => { assert.equal(fnv1a64(text), fnvBigint(text)); }));
  });
});

const tariffs = [sampleTariff('commercial-tou-berlin'), sampleTariff('residential-tiered-new-york'),
  sampleTariff('industrial-reactive-berlin')];

/** A rated document: a tariff, 1 to 3 days from a random start, values cycled over the intervals (some missing: a held bill). */
const documentCase = fc.record({
  tariff: fc.constantFrom(...tariffs),
  start: fc.integer({ min: 0, max: 360 }).map((d) => addDays('2026-01-01', d)),
  days: fc.integer({ min: 1, max: 3 }),
  values: fc.array(fc.record({
    importWh: fc.double({ min: 0, max: 5000, noNaN: true }), exportWh: fc.double({ min: 0, max: 2000, noNaN: true }),
    reactiveImportVarh: fc.double({ min: 0, max: 3000, noNaN: true }), present: fc.boolean(),
  }), { minLength: 1, maxLength: 20 }),
  account: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
  to: fc.option(fc.integer({ min: 0, max: 2 ** 45 })),
}).map(({ tariff, start, days, values, account, to }): BillDocument => {
  const period = { start, end: addDays(start, days) };
  const bill = rateBill(tariff, period, intervalSeries(tariff, period, (p) => {
    const { present, ...v } = values[p.slot % values.length] as (typeof values)[number];
    return present ? v : null;
  }));
  return { account, servicePoint: 'sp-1', meters: [{ servicePoint: 'sp-1', meter: 'm-1' as never, from: 0, to }], bill };
});

describe('a bill document written once', () => {
  it('is the JSON of the document and has the fingerprint of its bill, for any rated bill', () => {
    fc.assert(fc.property(documentCase, (doc) => {
      assert.deepEqual(documentTexts(doc), { document: JSON.stringify(doc), fingerprint: fingerprintOf(doc.bill) });
      // A cancellation's or a difference's bill: members spread in another order, a hold of null.
      const other = { ...doc, bill: { ...doc.bill, lines: [], total: { ...doc.bill.total, minor: 0 }, hold: null } };
      assert.deepEqual(documentTexts(other), { document: JSON.stringify(other), fingerprint: fingerprintOf(other.bill) });
    }), { numRuns: 60 });
  });
});
