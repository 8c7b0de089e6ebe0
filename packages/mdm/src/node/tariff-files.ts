// Tariff files on disk: read one (the CLI's `validate`, a server's tariff directory) and the sample
// tariffs the demo bills its meters on. Reading and JSON syntax are the only I/O here; everything
// else is parseTariff's, so a file and an API body are refused with the same words.
import { readFile } from 'node:fs/promises';
import { ConfigError } from '@phasewire/core';
import { parseTariff } from '../billing/parse-tariff.ts';
import type { Tariff } from '../billing/types.ts';

/** packages/mdm/tariffs/: a commercial ToU tariff with demand charge, a residential tiered one, an industrial one with reactive charge. */
export const sampleTariffsDir = new URL('../../tariffs/', import.meta.url);

export const sampleTariffNames = ['commercial-tou-berlin', 'residential-tiered-new-york', 'industrial-reactive-berlin'] as const;

/** Reads and parses one tariff file; PW_ERR_TARIFF_INVALID names the file when it cannot be read, is not JSON or is not a tariff. */
export async function readTariffFile(path: string | URL): Promise<Tariff> {
  const name = path instanceof URL ? decodeURIComponent(path.pathname) : path;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError('PW_ERR_TARIFF_INVALID', `Cannot load tariff ${name}: the file cannot be read, expected a readable JSON file`,
      { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError('PW_ERR_TARIFF_INVALID', `Cannot load tariff ${name}: ${(error as Error).message}, expected JSON`,
      { cause: error });
  }
  return parseTariff(data, name);
}

/** The three sample tariffs, by name. */
export async function readSampleTariffs(): Promise<ReadonlyMap<(typeof sampleTariffNames)[number], Tariff>> {
  const read = async (n: (typeof sampleTariffNames)[number]) => [n, await readTariffFile(new URL(`${n}.json`, sampleTariffsDir))] as const;
  const tariffs = await Promise.all(sampleTariffNames.map(read));
  return new Map(tariffs);
}
