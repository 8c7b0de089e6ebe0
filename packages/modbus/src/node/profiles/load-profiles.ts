// Reads every device profile in a directory (`packages/modbus/profiles` by default): one JSON
// file per meter model, each through the schema. Adding a model is adding a file.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@phasewire/core';
import { parseDeviceProfile } from '../../profiles/parse-profile.ts';
import type { DeviceProfile } from '../../profiles/profile-types.ts';

/** The directory of the profiles shipped with phasewire. */
export const builtInProfilesDirectory = join(import.meta.dirname, '..', '..', '..', 'profiles');

/** Loads one profile file. */
export async function loadProfile(file: string): Promise<DeviceProfile> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('PW_ERR_PROFILE_INVALID', `Cannot load device profile ${file}: ${error instanceof Error ? error.message : String(
      error)}, expected a readable JSON file`, { cause: error });
  }
  const profile = parseDeviceProfile(data, file);
  const expected = file.split(/[\\/]/).at(-1)?.replace(/\.json$/, '');
  if (profile.model !== expected) {
    throw new ConfigError('PW_ERR_PROFILE_INVALID', `Cannot load device profile ${file}: field model is ${JSON.stringify(profile
      .model)}, expected ${JSON.stringify(expected)} (the file name)`);
  }
  return profile;
}

/** Loads every `*.json` profile in `directory`, in file-name order. */
export async function loadProfiles(directory = builtInProfilesDirectory): Promise<DeviceProfile[]> {
  const files = (await readdir(directory)).filter((name) => name.endsWith('.json')).sort();
  return Promise.all(files.map((name) => loadProfile(join(directory, name))));
}
