// One loaded PKCS#11 module per library path and process. C_Initialize may run only once per
// process (a second call answers CKR_CRYPTOKI_ALREADY_INITIALIZED) and C_Finalize ends every
// session of the process (PKCS#11 v2.40 §5.4), so keystores on the same module share it, counted,
// and the last one to close finalizes it.
import pkcs11js from 'pkcs11js';
import { ConfigError, StoreError } from '@phasewire/core';

export type Pkcs11 = pkcs11js.PKCS11;
export { pkcs11js };

interface LoadedModule {
  readonly pkcs11: Pkcs11;
  users: number;
}

const loaded = new Map<string, LoadedModule>();

export function acquireModule(path: string): Pkcs11 {
  const existing = loaded.get(path);
  if (existing !== undefined) {
    existing.users += 1;
    return existing.pkcs11;
  }
  const pkcs11 = new pkcs11js.PKCS11();
  try {
    pkcs11.load(path);
  } catch (error) {
    throw new ConfigError('PW_ERR_KEYSTORE_CONFIG', `Cannot load PKCS#11 module ${path}: ${describe(error)}`, { cause: error });
  }
  try {
    pkcs11.C_Initialize();
  } catch (error) {
    pkcs11.close();
    throw new StoreError('PW_ERR_KEYSTORE', `Cannot initialise PKCS#11 module ${path}: ${describe(error)}`, { cause: error });
  }
  loaded.set(path, { pkcs11, users: 1 });
  return pkcs11;
}

export function releaseModule(path: string): void {
  const module = loaded.get(path);
  if (module === undefined) return;
  module.users -= 1;
  if (module.users > 0) return;
  loaded.delete(path);
  try {
    module.pkcs11.C_Finalize();
  } finally {
    module.pkcs11.close();
  }
}

/** The CKR_ name of a PKCS#11 error, or the message of another. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The PKCS#11 return value of an error thrown by pkcs11js, when it is one. */
export function returnValue(error: unknown): number | undefined {
  return error instanceof pkcs11js.Pkcs11Error ? error.code : undefined;
}
