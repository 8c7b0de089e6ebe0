// Where a keystore credential (a PKCS#11 PIN, a software keystore passphrase) comes from: an
// environment variable or a file, named in configuration. Never a literal in configuration and
// never a default: an unset variable or an empty file is a configuration error.
import { readFile, stat } from 'node:fs/promises';
import { ConfigError, PhasewireError } from '@phasewire/core';
import { checkOwnerOnly } from './atomic-file.ts';

export type SecretSource =
  | { readonly env: string }
  | { readonly file: string };

/** The longest credential accepted (PKCS#11 PINs are short; passphrases a sentence at most). */
const maxSecretLength = 1024;

export async function readSecret(
  source: SecretSource,
  what: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<string> {
  let value: string;
  if ('env' in source) {
    const found = env[source.env];
    if (found === undefined || found === '') {
      throw new ConfigError('PW_ERR_KEYSTORE_CONFIG', `Cannot read the ${what}: environment variable ${source.env} is unset or empty`);
    }
    value = found;
  } else {
    let text: string;
    try {
      checkOwnerOnly(source.file, await stat(source.file), `${what} file`);
      text = await readFile(source.file, 'utf8');
    } catch (error) {
      if (error instanceof PhasewireError) throw error;
      throw new ConfigError('PW_ERR_KEYSTORE_CONFIG', `Cannot read the ${what} from ${source.file}`, { cause: error });
    }
    // A trailing newline is an editor's, not part of the secret.
    value = text.replace(/\r?\n$/, '');
    if (value === '') throw new ConfigError('PW_ERR_KEYSTORE_CONFIG', `Cannot read the ${what}: ${source.file} is empty`);
  }
  if (value.length > maxSecretLength) {
    throw new ConfigError('PW_ERR_KEYSTORE_CONFIG', `Cannot use the ${what}: ${value.length} characters, `
      + `expected at most ${maxSecretLength}`);
  }
  return value;
}
