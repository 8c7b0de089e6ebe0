import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMeterId } from '@phasewire/core';
import { billedReads, flatTariff, january } from '@phasewire/mdm/testing';
import { SqliteBillingStore, SqliteMeterStore } from '@phasewire/store/node';
import { bufferIo } from '../io.ts';
import { runCli } from '../run.ts';

const dir = mkdtempSync(join(tmpdir(), 'pw-cli-billing-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIo({}, dir);
  const code = await runCli(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

void describe('phasewire billing', () => {
  void it('runs a cycle against the data directory, then again without creating anything', async () => {
    const data = join(dir, 'data');
    const meter = parseMeterId('meter-cli');
    mkdirSync(data, { recursive: true });
    const store = await SqliteMeterStore.open({ path: join(data, 'phasewire.db') });
    await store.appendReadings(billedReads(meter, january.from, january.to, 1000));
    await store.close();
    const billing = await SqliteBillingStore.open({ path: join(data, 'billing.db') });
    await billing.putTariffVersion({ tariffId: 'flat-berlin', version: 1, effectiveFrom: '2026-01-01', effectiveTo: null,
      document: JSON.stringify(flatTariff()), uploadedBy: 'test', uploadedAt: 0 });
    await billing.putAccount({ id: 'acc-1', name: 'Bakery', cycle: { kind: 'monthly', day: 1 } }, 'test');
    await billing.putServicePoint({ id: 'sp-1', name: 'Main St 1' }, 'test');
    await billing.addInstallation({ servicePoint: 'sp-1', meter, from: january.from, to: null }, 'test');
    await billing.addServicePointLink({ account: 'acc-1', servicePoint: 'sp-1', from: january.from, to: null }, 'test');
    await billing.addTariffAssignment({ account: 'acc-1', tariffId: 'flat-berlin', from: january.from, to: null }, 'test');
    await billing.close();
    const first = await run('billing', 'run', '--cycle', '2026-01', '--data-dir', data);
    assert.equal(first.err, '');
    assert.equal(first.code, 0);
    assert.match(first.out, /bill run 2026-01, pass 1: finished, 1 of 1: 1 created, 0 held/);
    const second = await run('billing', 'run', '--cycle', '2026-01', '--data-dir', data);
    assert.match(second.out, /pass 2: finished, 1 of 1: 0 created, 0 held for review, 0 re-rated, 0 corrected, 1 unchanged/);
    const bad = await run('billing', 'run', '--cycle', '2026-1', '--data-dir', data);
    assert.deepEqual([bad.code, /expected YYYY-MM/.test(bad.err)], [2, true]);
  });

  void it('validates a tariff file, naming the field of a bad one', async () => {
    writeFileSync(join(dir, 'good.json'), JSON.stringify(flatTariff()));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...flatTariff(), timeZone: 'Mars/Olympus' }));
    const good = await run('billing', 'tariff', 'validate', 'good.json');
    assert.equal(good.code, 0);
    assert.match(good.out, /tariff flat-berlin version 1 .* valid/);
    const bad = await run('billing', 'tariff', 'validate', 'bad.json');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /field timeZone is "Mars\/Olympus"/);
  });
});
