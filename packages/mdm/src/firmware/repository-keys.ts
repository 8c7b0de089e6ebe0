// The repository's signing keys, found by TUF key id in the two keystores: the offline one (root
// keys; in production a token kept apart and plugged in only to sign a new root, TUF §6.1) and the
// online one (targets, the delegated roles, and the snapshot and timestamp key). The metadata
// names keys by id only, so the labels here are found by computing each P-256 key's id.
import { SecurityError } from '@phasewire/core';
import { keystoreTufSigner } from '@phasewire/secure';
import type { Keystore, TufSigner } from '@phasewire/secure';
import { generationOf } from './repository-layout.ts';

export type KeyPlace = 'offline' | 'online';

export class RepositoryKeys {
  readonly #stores: Readonly<Record<KeyPlace, Keystore>>;
  /** Key id → signer, for every `tuf-` key of both stores; filled on first use. */
  #byId: Map<string, TufSigner & { readonly place: KeyPlace }> | undefined;

  constructor(offline: Keystore, online: Keystore) {
    this.#stores = { offline, online };
  }

  async #index(): Promise<Map<string, TufSigner & { readonly place: KeyPlace }>> {
    if (this.#byId !== undefined) return this.#byId;
    const byId = new Map<string, TufSigner & { readonly place: KeyPlace }>();
    for (const place of ['offline', 'online'] as const) {
      for (const info of await this.#stores[place].list()) {
        if (!info.label.startsWith('tuf-') || info.curve !== 'P-256') continue;
        const signer = await keystoreTufSigner(this.#stores[place], info.label);
        byId.set(signer.keyid, { ...signer, place });
      }
    }
    this.#byId = byId;
    return byId;
  }

  /**
   * The signers of a role: every key of `keyids` at hand. Fewer than `threshold` is refused,
   * because metadata signed by fewer keys than its threshold is worthless to a client (TUF §5.3.4).
   */
  async signers(keyids: readonly string[], threshold: number, role: string): Promise<TufSigner[]> {
    const byId = await this.#index();
    const found = keyids.flatMap((keyid) => byId.get(keyid) ?? []);
    if (found.length < threshold) {
      throw new SecurityError('PW_ERR_TUF_KEY', `Cannot sign the ${role} role: ${found.length} of its keys are in the keystores; `
        + `expected at least its threshold of ${threshold} (key ids ${keyids.map((id) => id.slice(0, 12)).join(', ')})`);
    }
    return found;
  }

  /** The next free generation of labels made by `label(generation)`. */
  async nextGeneration(prefix: string): Promise<number> {
    let highest = 0;
    for (const store of Object.values(this.#stores)) {
      for (const info of await store.list()) if (info.label.startsWith(prefix)) highest = Math.max(highest, generationOf(info.label));
    }
    return highest + 1;
  }

  /** Creates a P-256 key in the given store. */
  async generate(place: KeyPlace, label: string): Promise<TufSigner> {
    await this.#stores[place].generateKeyPair(label, 'P-256');
    const signer = await keystoreTufSigner(this.#stores[place], label);
    (await this.#index()).set(signer.keyid, { ...signer, place });
    return signer;
  }

  /** Removes retired keys from their stores (a rotated-out key must not sign again). */
  async retire(keyids: readonly string[]): Promise<void> {
    const byId = await this.#index();
    for (const keyid of keyids) {
      const signer = byId.get(keyid);
      if (signer === undefined) continue;
      await this.#stores[signer.place].remove(signer.label);
      byId.delete(keyid);
    }
  }
}
