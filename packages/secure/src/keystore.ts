// The keystore port: where private and secret keys live. Every key is created inside the store
// and is never exported in clear; callers hold only labels. Implementations: the PKCS#11 keystore
// (an HSM; SoftHSM2 in tests) and the software keystore of the embedded default, both in
// src/node/, both passing the one conformance suite.

/** Elliptic curves for signing and key agreement (TLS 1.3 groups of the policy). */
export type EcCurve = 'P-256' | 'P-384';

export type KeyKind = 'ec-private' | 'secret';

export interface KeyInfo {
  /** The caller's name for the key, unique in the store. */
  readonly label: string;
  readonly kind: KeyKind;
  /** The curve of an EC key; undefined for a secret key. */
  readonly curve?: EcCurve;
  /** The public key of an EC key, SubjectPublicKeyInfo DER. */
  readonly publicKey?: Uint8Array;
}

export interface Keystore {
  /** 'pkcs11' for a hardware (or SoftHSM) token, 'software' for the file-backed store. */
  readonly kind: 'pkcs11' | 'software';
  /** Creates a non-extractable EC key pair; refuses a label already in use. */
  generateKeyPair(label: string, curve: EcCurve): Promise<KeyInfo>;
  /** Creates a non-extractable 256-bit secret (a key-derivation master or a wrapping key). */
  generateSecret(label: string): Promise<KeyInfo>;
  /**
   * ECDSA signature over `data` with the key's curve hash (SHA-256 for P-256, SHA-384 for
   * P-384), DER-encoded (X.509 / TLS form). The data is hashed outside the token where the token
   * only offers raw CKM_ECDSA.
   */
  sign(label: string, data: Uint8Array): Promise<Uint8Array>;
  /**
   * HKDF-Expand (RFC 5869 §2.3) with SHA-256 of a secret used as the pseudo-random key:
   * returns `length` bytes (at most 32) for `info`. Per-device payload keys come from here.
   */
  deriveKey(label: string, info: Uint8Array, length: number): Promise<Uint8Array>;
  /** AES-256 key wrap of `key` under a secret (RFC 3394 / RFC 5649 or AES-GCM; the store decides and round-trips). */
  wrapKey(wrappingLabel: string, key: Uint8Array): Promise<Uint8Array>;
  unwrapKey(wrappingLabel: string, wrapped: Uint8Array): Promise<Uint8Array>;
  /** Every key in the store, by label. */
  list(): Promise<KeyInfo[]>;
  /** Looks one key up; undefined when the label is unknown. */
  find(label: string): Promise<KeyInfo | undefined>;
  /** Removes a key (rotation retires old keys); refuses an unknown label. */
  remove(label: string): Promise<void>;
  close(): Promise<void>;
}
