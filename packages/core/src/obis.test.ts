import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { obisCode, obisGroups, parseObis } from './obis.ts';
import { catalogue, findQuantity, Q, quantity } from './catalogue.ts';

describe('OBIS codes', () => {
  it('parse into a canonical form that leaves out F = 255', () => {
    assert.equal(parseObis('1-0:32.7.0'), '1-0:32.7.0');
    assert.equal(parseObis('1-0:32.7.0*255'), '1-0:32.7.0');
    assert.equal(parseObis(' 1-0:1.8.0*101 '), '1-0:1.8.0*101');
    assert.deepEqual(obisGroups(parseObis('1-0:81.7.40')), { a: 1, b: 0, c: 81, d: 7, e: 40, f: 255 });
  });

  it('refuse text that is not six groups of 0..255', () => {
    for (const bad of ['', '32.7.0', '1-0:32.7', '1-0:256.7.0', '1-0:32.7.0*', 'a-b:c.d.e', '1-0:32.7.0*1000']) {
      assert.throws(() => parseObis(bad), { code: 'PW_ERR_INVALID_OBIS' }, bad);
    }
    assert.throws(() => obisCode(1, 0, 32, 7, 0.5), /each group must be an integer from 0 to 255/);
  });

  it('round-trip through their groups', () => {
    const group = fc.integer({ min: 0, max: 255 });
    fc.assert(fc.property(group, group, group, group, group, group, (a, b, c, d, e, f) => {
      const code = obisCode(a, b, c, d, e, f);
      assert.deepEqual(obisGroups(code), { a, b, c, d, e, f });
      assert.equal(parseObis(code), code);
    }));
  });
});

describe('the quantity catalogue', () => {
  it('names each quantity once, by a unique OBIS code and a unique key', () => {
    assert.equal(new Set(catalogue.map((q) => q.obis)).size, catalogue.length);
    assert.equal(new Set(catalogue.map((q) => q.key)).size, catalogue.length);
    for (const q of catalogue) assert.equal(Q[q.key], q.obis);
  });

  it('uses the IEC 62056-6-1 codes for the common quantities', () => {
    // DLMS UA 1000-1 (Blue Book) §7.5: C 32/52/72 voltage, 31/51/71 current, 91 neutral current,
    // 14 frequency, D 8 energy register; E 124 THD; C 81 angles.
    assert.equal(Q.voltageL1, '1-0:32.7.0');
    assert.equal(Q.voltageL2, '1-0:52.7.0');
    assert.equal(Q.voltageL3, '1-0:72.7.0');
    assert.equal(Q.currentL3, '1-0:71.7.0');
    assert.equal(Q.currentNeutral, '1-0:91.7.0');
    assert.equal(Q.frequency, '1-0:14.7.0');
    assert.equal(Q.powerFactorL2, '1-0:53.7.0');
    assert.equal(Q.activeEnergyImport, '1-0:1.8.0');
    assert.equal(Q.reactiveEnergyQ4, '1-0:8.8.0');
    assert.equal(Q.activeEnergyExportL3, '1-0:62.8.0');
    assert.equal(Q.voltageThdL1, '1-0:32.7.124');
    assert.equal(Q.angleCurrentL1, '1-0:81.7.40');
    assert.equal(Q.activeDemandImportMax, '1-0:1.6.0');
  });

  it('covers every quantity a three-phase meter reports, per phase and in total', () => {
    for (const phase of ['L1', 'L2', 'L3']) {
      for (const stem of [
        'voltage', 'current', 'activePower', 'reactivePowerImport', 'apparentPower', 'powerFactor', 'voltageThd', 'currentThd',
        'activeEnergyImport', 'activeEnergyExport', 'reactiveEnergyImport', 'reactiveEnergyExport',
      ]) {
        assert.ok(findQuantity(`${stem}${phase}`), `${stem}${phase}`);
      }
    }
    for (const key of [
      'voltageL1L2', 'voltageL2L3', 'voltageL3L1', 'voltageAverage', 'currentNeutral', 'activePower', 'apparentPower', 'powerFactor',
      'frequency', 'activeEnergyImport', 'activeDemandImport',
    ]) {
      assert.ok(findQuantity(key), key);
    }
  });

  it('gives each quantity the unit of its kind', () => {
    for (const q of catalogue) {
      if (q.kind === 'register') assert.ok(q.unit === 'Wh' || q.unit === 'varh', `${q.key} is a register in ${q.unit}`);
      if (q.key.startsWith('voltage') && !q.key.includes('Thd')) assert.equal(q.unit, 'V', q.key);
    }
  });

  it('finds a quantity by code or key and explains an unknown one', () => {
    assert.equal(quantity('1-0:32.7.0').key, 'voltageL1');
    assert.equal(quantity('currentL2').obis, '1-0:51.7.0');
    assert.throws(() => quantity('voltage'), {
      code: 'PW_ERR_UNKNOWN_QUANTITY',
      message: /expected an OBIS code or key from the catalogue/,
    });
  });
});
