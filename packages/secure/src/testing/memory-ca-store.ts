// A CA store in memory: for tests, and for a throwaway CA that lives as long as its process.
import { StoreError } from '@phasewire/core';
import type { CaState, CaStore } from '../pki/ca-state.ts';

export class MemoryCaStore implements CaStore {
  state: CaState | undefined;
  readonly certificates = new Map<string, Uint8Array>();
  crls: { readonly issuing: Uint8Array; readonly root: Uint8Array } | undefined;

  readState(): Promise<CaState | undefined> {
    return Promise.resolve(this.state);
  }

  writeState(state: CaState): Promise<void> {
    this.state = state;
    return Promise.resolve();
  }

  writeCertificate(serial: string, der: Uint8Array): Promise<void> {
    this.certificates.set(serial, der);
    return Promise.resolve();
  }

  readCertificate(serial: string): Promise<Uint8Array> {
    const der = this.certificates.get(serial);
    if (der === undefined) {
      return Promise.reject(new StoreError('PW_ERR_CA_STATE', `Cannot read certificate ${serial}: `
        + 'the memory store has none with that serial'));
    }
    return Promise.resolve(der);
  }

  writeCrls(crls: { readonly issuing: Uint8Array; readonly root: Uint8Array }): Promise<void> {
    this.crls = crls;
    return Promise.resolve();
  }
}
