import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodePoint } from '../../profiles/point-codec.ts';
import { planReads } from '../../profiles/plan-reads.ts';
import { builtInProfilesDirectory, loadProfiles } from './load-profiles.ts';

interface Vector {
  readonly model: string;
  readonly source: string;
  readonly cases: readonly { readonly quantity: string; readonly registers: readonly string[]; readonly expected: number }[];
}

const profiles = await loadProfiles();

describe('device profiles shipped with phasewire', () => {
  it('validates one profile per model for the eight required models, each citing its register map', () => {
    assert.deepEqual(profiles.map((p) => p.model), ['abb-b23', 'dtsu666', 'em24', 'iem3255', 'pac2200', 'sdm630', 'sdm72d', 'umg604']);
    for (const profile of profiles) {
      assert.match(profile.source.url, /^https:\/\//);
      assert.ok(profile.source.title.length > 10 && profile.source.version.length > 0, profile.model);
    }
  });

  it('maps at least V L-N ×3, I ×3, P total and per phase, frequency and active energy import/export on every model', () => {
    const required = ['voltageL1', 'voltageL2', 'voltageL3', 'currentL1', 'currentL2', 'currentL3', 'activePower', 'activePowerL1',
      'activePowerL2', 'activePowerL3', 'frequency', 'activeEnergyImport', 'activeEnergyExport'];
    for (const profile of profiles) {
      const keys = new Set(profile.points.map((p) => p.quantity.key));
      for (const key of required) assert.ok(keys.has(key as never), `${profile.model} maps ${key}`);
    }
  });

  it('coalesces every profile into reads within its block limit', () => {
    for (const profile of profiles) {
      const reads = planReads(profile);
      assert.ok(reads.length < profile.points.length, `${profile.model}: ${reads.length} reads for ${profile.points.length} points`);
      for (const read of reads) assert.ok(read.count <= profile.maxRegistersPerRead);
    }
  });

  it('decodes every register-dump vector to its expected quantities, covering both word orders the profiles use', async () => {
    const orders = new Set<string>();
    for (const profile of profiles) {
      const vector = JSON.parse(await readFile(join(builtInProfilesDirectory, 'vectors', `${profile.model}.json`), 'utf8')) as Vector;
      assert.equal(vector.model, profile.model);
      assert.ok(vector.source.length > 20);
      assert.equal(vector.cases.length, profile.points.length, `${profile.model}: a case per point`);
      for (const c of vector.cases) {
        const point = profile.points.find((p) => p.quantity.key === c.quantity);
        assert.ok(point !== undefined, `${profile.model} maps ${c.quantity}`);
        orders.add(point.order);
        const value = decodePoint(point, c.registers.map((word) => Number.parseInt(word, 16)));
        assert.ok(Math.abs(value - c.expected) <= Math.abs(c.expected) * 1e-9, `${profile.model} ${c.quantity}: ${value} vs ${c.expected}`);
      }
    }
    assert.deepEqual([...orders].sort(), ['ABCD', 'CDAB']);
  });
});
