import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseMeterId, Q } from '@phasewire/core';
import { createSimulatedMeter } from '@phasewire/meter';
import { carriedFromStore, readCarriedOver, writeCarriedOver } from './demo-carry-over.ts';

const meter = parseMeterId('demo-meter-001');
const start = Date.UTC(2026, 10, 24);

describe('demo carry-over', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'phasewire-carry-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('writes where a meter stopped and reads it back: its last time and its energy registers, not its demand', async () => {
    const simulated = createSimulatedMeter({ meter, scenario: 'balanced-motor', mode: 'phasor', seed: 1, start });
    simulated.advanceTo(start + 3_600_000);
    await writeCarriedOver(dir, simulated);
    const carried = await readCarriedOver(dir);
    assert.equal(carried?.at, start + 3_600_000);
    assert.equal(carried.registers.activeEnergyImport, simulated.registers().activeEnergyImport);
    assert.ok((carried.registers.activeEnergyImport ?? 0) > 0);
    assert.equal('activeDemandImportMax' in carried.registers, false);
  });

  it('reads nothing from a file that is not its own, so the store is used instead', async () => {
    const other = await mkdtemp(join(dir, 'other-'));
    assert.equal(await readCarriedOver(other), undefined, 'no file');
    await writeFile(join(other, 'demo-carry-over.json'), '{"at": "soon"');
    assert.equal(await readCarriedOver(other), undefined, 'not JSON');
    await writeFile(join(other, 'demo-carry-over.json'), '{"at": 5, "registers": { "activeEnergyImport": -3, "voltageL1": 230 }}');
    assert.deepEqual(await readCarriedOver(other), { at: 5, registers: {} }, 'only non-negative energy registers are taken');
  });

  it('takes the energy registers and the last time from the latest stored readings', () => {
    const carried = carriedFromStore([
      { meter, quantity: Q.activeEnergyImport, at: start, value: 1234.5 },
      { meter, quantity: Q.voltageL1, at: start + 60_000, value: 230.1 },
    ]);
    assert.deepEqual(carried, { at: start + 60_000, registers: { activeEnergyImport: 1234.5 } });
    assert.deepEqual(carriedFromStore([]), { at: 0, registers: {} });
  });
});
