// Per-device envelope keys (docs/adr/0002-payload-key-derivation.md). The head-end derives each
// device's key from one master secret in its keystore with HKDF-Expand, on demand, and keeps the
// prepared AEAD key in a bounded cache; a device holds only its own keys, installed at enrollment.
import { SecurityError, ValidationError } from '@phasewire/core';
import type { Keystore } from '../keystore.ts';
import type { Aead, AeadKey, MaybePromise } from './aead.ts';
import { aeadKeyLength } from './aead.ts';
import type { DeviceBinding, DeviceId } from './device-binding.ts';
import { maxKeyId } from './envelope-format.ts';

/** Where sender and receiver get the AEAD key of a device and key id (the ring has allowed the id). */
export interface EnvelopeKeyProvider {
  /** Synchronous when the key is at hand, a promise when it must be derived first. */
  key(device: DeviceBinding, keyId: number): MaybePromise<AeadKey>;
}

/** The HKDF info label; the version names this derivation, not the wire format. */
export const envelopeKeyLabel = 'phasewire envelope v1';
const labelBytes = new TextEncoder().encode(envelopeKeyLabel);

/**
 * HKDF info of a device's key: "phasewire envelope v1" || len(device id) (1 byte) || device id ||
 * key id (4 bytes, big-endian). The length byte keeps every (device, key id) pair's info distinct.
 */
export function envelopeKeyInfo(device: DeviceBinding, keyId: number): Uint8Array {
  if (!Number.isInteger(keyId) || keyId < 1 || keyId > maxKeyId) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot derive an envelope key for key id ${keyId}: expected 1 to ${maxKeyId}`);
  }
  const info = new Uint8Array(labelBytes.length + 1 + device.idBytes.length + 4);
  info.set(labelBytes, 0);
  info[labelBytes.length] = device.idBytes.length;
  info.set(device.idBytes, labelBytes.length + 1);
  new DataView(info.buffer).setUint32(info.length - 4, keyId);
  return info;
}

export interface DerivedEnvelopeKeysOptions {
  readonly keystore: Keystore;
  readonly aead: Aead;
  /** Label of the master secret in the keystore, or which master holds a given key id. */
  readonly master: string | ((keyId: number) => string);
  /** Devices whose prepared keys are kept in memory; past it the oldest device goes first. Default 100,000. */
  readonly maxCachedDevices?: number;
}

/** Keys derived in the keystore: HKDF-Expand(master, envelopeKeyInfo(device, keyId), 32). */
export class DerivedEnvelopeKeys implements EnvelopeKeyProvider {
  readonly #keystore: Keystore;
  readonly #aead: Aead;
  readonly #master: (keyId: number) => string;
  readonly #maxCachedDevices: number;
  /** Device, then key id: nested maps, so a lookup builds no string. */
  readonly #cache = new Map<DeviceId, Map<number, AeadKey | Promise<AeadKey>>>();

  constructor(options: DerivedEnvelopeKeysOptions) {
    const maxCachedDevices = options.maxCachedDevices ?? 100_000;
    if (!Number.isInteger(maxCachedDevices) || maxCachedDevices < 1) {
      throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot cache envelope keys of ${maxCachedDevices} devices: `
        + 'expected a positive integer');
    }
    const { master } = options;
    this.#keystore = options.keystore;
    this.#aead = options.aead;
    this.#master = typeof master === 'string' ? () => master : master;
    this.#maxCachedDevices = maxCachedDevices;
  }

  key(device: DeviceBinding, keyId: number): MaybePromise<AeadKey> {
    let keys = this.#cache.get(device.deviceId);
    const cached = keys?.get(keyId);
    if (cached !== undefined) return cached;
    if (keys === undefined) {
      if (this.#cache.size >= this.#maxCachedDevices) {
        const oldest = this.#cache.keys().next();
        if (oldest.done !== true) this.#cache.delete(oldest.value);
      }
      keys = new Map();
      this.#cache.set(device.deviceId, keys);
    }
    const entries = keys;
    // Concurrent first uses share one derivation; a failed one is forgotten so the next retries.
    const pending = this.#derive(device, keyId).then(
      (key) => { entries.set(keyId, key); return key; },
      (error: unknown) => { entries.delete(keyId); throw error; },
    );
    entries.set(keyId, pending);
    return pending;
  }

  /** Drops the cached keys of a device (after its rotation grace period, say). */
  forget(device: DeviceId): void {
    this.#cache.delete(device);
  }

  async #derive(device: DeviceBinding, keyId: number): Promise<AeadKey> {
    const raw = await this.#keystore.deriveKey(this.#master(keyId), envelopeKeyInfo(device, keyId), aeadKeyLength);
    try {
      return this.#aead.importKey(raw);
    } finally {
      raw.fill(0);
    }
  }
}

/** Keys installed one by one: a device's own keys (unwrapped from its keystore at start-up). */
export class InstalledEnvelopeKeys implements EnvelopeKeyProvider {
  readonly #aead: Aead;
  readonly #keys = new Map<DeviceId, Map<number, AeadKey>>();

  constructor(aead: Aead) {
    this.#aead = aead;
  }

  /** Prepares and keeps the key; the caller may zero `raw` afterwards. */
  install(device: DeviceId, keyId: number, raw: Uint8Array): void {
    if (raw.length !== aeadKeyLength) {
      throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot install envelope key ${keyId} of ${device}: `
        + `${raw.length} bytes, expected ${aeadKeyLength}`);
    }
    let keys = this.#keys.get(device);
    if (keys === undefined) {
      keys = new Map();
      this.#keys.set(device, keys);
    }
    keys.set(keyId, this.#aead.importKey(raw));
  }

  remove(device: DeviceId, keyId: number): void {
    this.#keys.get(device)?.delete(keyId);
  }

  key(device: DeviceBinding, keyId: number): AeadKey {
    const key = this.#keys.get(device.deviceId)?.get(keyId);
    if (key === undefined) {
      throw new SecurityError('PW_ERR_ENVELOPE_UNKNOWN_KEY', `Cannot use envelope key ${keyId} of ${device.deviceId}: `
        + 'the key ring allows it but no key is installed');
    }
    return key;
  }
}
