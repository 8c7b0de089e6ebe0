// The AEAD port: AES-256-GCM with a 96-bit nonce and a full 16-byte tag. Pure code seals and opens
// through it; src/node/envelope/node-aead.ts implements it with node:crypto.

/**
 * A value, or a promise of it when it had to wait (as matter.js does on its hot paths). `await`
 * takes either; a caller on a hot path can test for `then` and skip the turn of the event loop.
 */
export type MaybePromise<T> = T | Promise<T>;

/** A key prepared for the AEAD (an opaque handle: the adapter keeps the key material). */
export interface AeadKey {
  readonly algorithm: 'aes-256-gcm';
}

/** AES-256 key length in bytes (FIPS 197 §5). */
export const aeadKeyLength = 32;

export interface Aead {
  /** Prepares 32 raw key bytes; the caller may zero its own copy afterwards. */
  importKey(raw: Uint8Array): AeadKey;
  /**
   * Encrypts `plaintext` and returns `header || ciphertext || tag` in one new buffer (the tag is
   * 16 bytes). The arguments are read only during the call, so callers may reuse their buffers.
   */
  seal(key: AeadKey, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, header: Uint8Array): Uint8Array;
  /**
   * Returns the plaintext, or throws a SecurityError with code PW_ERR_ENVELOPE_AUTH when the tag
   * does not verify or is not exactly 16 bytes. No plaintext is returned on failure.
   */
  open(key: AeadKey, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array;
}
