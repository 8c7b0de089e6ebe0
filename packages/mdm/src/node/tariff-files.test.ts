import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSampleTariffs, readTariffFile, sampleTariffsDir } from './tariff-files.ts';

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
        { code: 'PW_ERR_TARIFF_INVALID', message: /wrong\.json: field version is missing, expected a whole number from 1 to/u });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a file with a byte order mark, and refuses one that is not UTF-8 instead of printing U+FFFD on bills', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-tariff-'));
    try {
      const text = readFileSync(new URL('commercial-tou-berlin.json', sampleTariffsDir), 'utf8').replace('"name": "', '"name": "Gebühr ');
      writeFileSync(join(dir, 'bom.json'), `\uFEFF${text}`);
      assert.match((await readTariffFile(join(dir, 'bom.json'))).name, /^Gebühr /u);
      writeFileSync(join(dir, 'latin1.json'), Buffer.from(text, 'latin1'));
      await assert.rejects(readTariffFile(join(dir, 'latin1.json')),
        { code: 'PW_ERR_TARIFF_INVALID', message: /latin1\.json: it is not UTF-8 text, expected JSON in UTF-8/u });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
