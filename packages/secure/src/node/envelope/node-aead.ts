// The Aead port on node:crypto: AES-256-GCM, 96-bit nonce, and the tag length pinned to 16 bytes
// on both sides. Without `authTagLength: 16` Node's decipher accepts a truncated tag (a 4-byte
// prefix of the right tag verifies): ECOSYSTEM.md trap 9, security-anchors R10, Node DEP0182.
import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SecurityError, ValidationError } from '@phasewire/core';
import type { Aead, AeadKey } from '../../envelope/aead.ts';
import { aeadKeyLength } from '../../envelope/aead.ts';
import { envelopeTagLength } from '../../envelope/envelope-format.ts';
import { envelopeNonceLength } from '../../envelope/device-binding.ts';

const algorithm = 'aes-256-gcm';

class NodeAeadKey implements AeadKey {
  readonly algorithm = algorithm;
  readonly secret: KeyObject;

  constructor(secret: KeyObject) {
    this.secret = secret;
  }
}

function secretOf(key: AeadKey): KeyObject {
  if (!(key instanceof NodeAeadKey)) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', 'Cannot use an AEAD key prepared by another Aead implementation');
  }
  return key.secret;
}

export class NodeAead implements Aead {
  importKey(raw: Uint8Array): AeadKey {
    if (raw.length !== aeadKeyLength) {
      throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot prepare an AES-256-GCM key from ${raw.length} bytes: `
        + `expected ${aeadKeyLength}`);
    }
    // A KeyObject copies the bytes, and reusing it spares OpenSSL a key import per message.
    return new NodeAeadKey(createSecretKey(raw));
  }

  seal(key: AeadKey, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, header: Uint8Array): Uint8Array {
    if (nonce.length !== envelopeNonceLength) {
      throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot seal with a ${nonce.length}-byte nonce: `
        + `expected ${envelopeNonceLength}`);
    }
    const cipher = createCipheriv(algorithm, secretOf(key), nonce, { authTagLength: envelopeTagLength });
    cipher.setAAD(aad);
    // GCM is a stream mode: update() returns exactly as many bytes as it was given. Every byte
    // of the pooled, uninitialised buffer is written below.
    const sealed = Buffer.allocUnsafe(header.length + plaintext.length + envelopeTagLength);
    sealed.set(header, 0);
    sealed.set(cipher.update(plaintext), header.length);
    cipher.final();
    sealed.set(cipher.getAuthTag(), header.length + plaintext.length);
    return sealed;
  }

  open(key: AeadKey, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array {
    if (nonce.length !== envelopeNonceLength) {
      throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot open with a ${nonce.length}-byte nonce: `
        + `expected ${envelopeNonceLength}`);
    }
    const secret = secretOf(key);
    try {
      const decipher = createDecipheriv(algorithm, secret, nonce, { authTagLength: envelopeTagLength });
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      const plaintext = decipher.update(ciphertext);
      decipher.final();
      // A plain Uint8Array view of the same bytes: callers get one type whatever the adapter.
      return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
    } catch (error) {
      throw new SecurityError('PW_ERR_ENVELOPE_AUTH',
        `Cannot open AES-256-GCM ciphertext of ${ciphertext.length} bytes with a ${tag.length}-byte tag: `
        + `authentication failed (expected a valid ${envelopeTagLength}-byte tag)`,
        { cause: error });
    }
  }
}
