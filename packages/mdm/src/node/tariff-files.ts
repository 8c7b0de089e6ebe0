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

/**
 * A tariff file's bytes as text. UTF-8 strictly: a file saved as Latin-1 ("Grundgebühr") decoded leniently put U+FFFD
 * on every bill line it named. A leading byte order mark, which Windows editors write, is skipped (RFC 8259 §8.1 lets a
 * parser ignore it; JSON.parse refused the file).
 */
export function tariffText(bytes: Uint8Array, name: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (error) {
    throw new ConfigError('PW_ERR_TARIFF_INVALID', `Cannot load tariff ${name}: it is not UTF-8 text, expected JSON in UTF-8 `
      + '(save the file as UTF-8)', { cause: error });
  }
  return text;
}

/** Reads and parses one tariff file; PW_ERR_TARIFF_INVALID names the file when it cannot be read, is not JSON or is not a tariff. */
export async function readTariffFile(path: string | URL): Promise<Tariff> {
  const name = path instanceof URL ? decodeURIComponent(path.pathname) : path;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new ConfigError('PW_ERR_TARIFF_INVALID', `Cannot load tariff ${name}: the file cannot be read, expected a readable JSON file`,
      { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(tariffText(bytes, name));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
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
