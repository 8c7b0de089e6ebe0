import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSampleTariffs, readTariffFile } from './tariff-files.ts';

describe('tariff files on disk', () => {
  it('reads the three sample tariffs', async () => {
    const tariffs = await readSampleTariffs();
    assert.deepEqual([...tariffs.values()].map((t) => [t.id, t.currency, t.timeZone]), [
      ['commercial-tou-berlin', 'EUR', 'Europe/Berlin'], ['residential-tiered-new-york', 'USD', 'America/New_York'],
      ['industrial-reactive-berlin', 'EUR', 'Europe/Berlin'],
    ]);
  });

  it('names the file when it is missing, not JSON, or not a tariff', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-tariff-'));
    try {
      writeFileSync(join(dir, 'broken.json'), '{ "id": ');
      writeFileSync(join(dir, 'wrong.json'), '{ "id": "x" }');
      await assert.rejects(readTariffFile(join(dir, 'absent.json')),
        { code: 'PW_ERR_TARIFF_INVALID', message: /absent\.json: the file cannot be read/u });
      await assert.rejects(readTariffFile(join(dir, 'broken.json')),
        { code: 'PW_ERR_TARIFF_INVALID', message: /broken\.json: .*expected JSON/u });
      await assert.rejects(readTariffFile(join(dir, 'wrong.json')),
        { code: 'PW_ERR_TARIFF_INVALID', message: /wrong\.json: field version is missing, expected a whole number of at least 1/u });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
