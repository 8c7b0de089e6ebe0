// `phasewire export greenbutton` and `export intervals` on a data directory's SQLite store: the file
// written validates against the ESPI schemas (xmllint) and holds the store's interval values.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseMeterId, Q } from '@phasewire/core';
import type { Reading } from '@phasewire/core';
import { readGreenButton, validateGreenButton } from '@phasewire/api/testing';
import { parseStoreConfig } from '@phasewire/store';
import { openMeterStore } from '@phasewire/store/node';
import { bufferIo } from '../src/io.ts';
import { runCli } from '../src/run.ts';

const quarter = 900_000;
const day = Date.UTC(2026, 9, 24, 22);

test('export greenbutton writes a valid feed of the stored intervals across the autumn DST change; export intervals, the CSV', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'phasewire-export-'));
  try {
    await writeFile(join(dir, 'phasewire.json'), JSON.stringify({ store: { kind: 'sqlite', path: 'store.db' } }));
    const clock = { now: () => day + 30 * 3_600_000 };
    const store = await openMeterStore(parseStoreConfig({ kind: 'sqlite', path: join(dir, 'store.db') }), clock);
    const meter = parseMeterId('m-cli-1');
    const readings: Reading[] = [];
    // 25 October 2026 in Europe/Berlin has 25 hours: 100 intervals, each 100 Wh more than the one before.
    for (let i = 0; i <= 100; i += 1)
      readings.push({ meter, quantity: Q.activeEnergyImport, at: day + i * quarter, value: 50 * i * (i + 1) });
    await store.appendReadings(readings);
    await store.close();

    const io = bufferIo({}, dir);
    const code = await runCli(['export', 'greenbutton', '--meter', 'm-cli-1', '--from', '2026-10-25T00:00:00+02:00', '--to',
      '2026-10-26T00:00:00+01:00', '--tz', 'Europe/Berlin', '--data-dir', dir], io);
    assert.equal(code, 0, io.stderr());
    const file = join(dir, 'm-cli-1-greenbutton.xml');
    assert.equal(io.stdout(), `${file}\n`);
    assert.match(io.stderr(), /^100 intervals of meter m-cli-1/);
    const xml = await readFile(file, 'utf8');
    const verdict = await validateGreenButton(xml);
    assert.equal(verdict.valid, true, verdict.output);
    const blocks = readGreenButton(xml).blocks;
    assert.equal(blocks.length, 1, 'one local day');
    assert.equal(blocks[0]?.duration, 90_000, 'a 25-hour day');
    assert.deepEqual(blocks[0].readings.map((r) => r.value), Array.from({ length: 100 }, (_, i) => 100_000 * (i + 1)));

    const csv = bufferIo({}, dir);
    assert.equal(await runCli(['export', 'intervals', '--meter', 'm-cli-1', '--from', '2026-10-25T00:00:00+02:00', '--to',
      '2026-10-26T00:00:00+01:00', '--tz', 'Europe/Berlin', '--data-dir', dir, '--out', 'day.csv'], csv), 0, csv.stderr());
    const rows = (await readFile(join(dir, 'day.csv'), 'utf8')).split('\r\n').filter((r) => r !== '');
    assert.equal(rows.length, 101);
    assert.match(rows[100] ?? '', /,2026-10-25T23:45:00\+01:00,2026-10-26T00:00:00\+01:00,10000,measured$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('export greenbutton refuses an unknown zone and a reversed range with exit code 2 and the option named', async () => {
  const io = bufferIo({}, tmpdir());
  assert.equal(await runCli(['export', 'greenbutton', '--meter', 'm-1', '--from', '2026-01-02T00:00:00Z', '--to', '2026-01-01T00:00:00Z'],
    io), 2);
  assert.match(io.stderr(), /Invalid --from\/--to/);
  const zone = bufferIo({}, tmpdir());
  assert.equal(await runCli(['export', 'greenbutton', '--meter', 'm-1', '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-02T00:00:00Z',
    '--tz', 'Nowhere/Land'], zone), 2);
  assert.match(zone.stderr(), /Invalid --tz "Nowhere\/Land"/);
});
