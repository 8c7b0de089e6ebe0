// The Keystore port on a PKCS#11 token (an HSM in production, SoftHSM2 in tests) through pkcs11js.
// Keys are generated in the token as token objects with CKA_SENSITIVE=true and
// CKA_EXTRACTABLE=false; callers only ever hold labels (PKCS#11 v2.40 §4.4, security-anchors R30).
//
// - EC keys: CKM_EC_KEY_PAIR_GEN; signatures with raw CKM_ECDSA over a hash computed here, because
//   SoftHSM 2.6.1 offers no CKM_ECDSA_SHA256/384 (ECOSYSTEM.md); the r || s result is DER-encoded.
// - Secrets: two token objects under one label, because a token will not use one key object for
//   both jobs (SoftHSM answers CKR_KEY_TYPE_INCONSISTENT for HMAC with an AES key and
//   CKR_WRAPPING_KEY_TYPE_INCONSISTENT for wrapping with a generic secret): a CKK_GENERIC_SECRET
//   for CKM_SHA256_HMAC (HKDF-Expand) and a CKK_AES key for CKM_AES_KEY_WRAP_PAD (RFC 5649).
// - Calls are synchronous pkcs11js calls on one session: each operation runs in a single turn of
//   the event loop, so operations never interleave on the session.
import { createHash, randomBytes } from 'node:crypto';
import { PhasewireError, SecurityError, StoreError, ValidationError } from '@phasewire/core';
import type { EcCurve, KeyInfo, Keystore } from '../../keystore.ts';
import { checkDerivedLength, checkKeyLabel, checkKeyToWrap, checkWrapped } from '../../keystore-checks.ts';
import { curveOfParams, curves, derFromRawSignature, spkiFromEcPoint } from './ec-encoding.ts';
import type { CurveInfo } from './ec-encoding.ts';
import { acquireModule, describe, pkcs11js, releaseModule, returnValue } from './pkcs11-module.ts';
import type { Pkcs11 } from './pkcs11-module.ts';
import { readSecret } from './pin-source.ts';
import { carrierTemplate, ecKeyPairTemplates, findSlot, labelled, readUlong, secretTemplates } from './pkcs11-templates.ts';
import type { Template, TokenSelector } from './pkcs11-templates.ts';
import type { SecretSource } from './pin-source.ts';

type Handle = Buffer;

export interface Pkcs11KeystoreOptions {
  /** Path of the PKCS#11 library (e.g. /usr/lib/softhsm/libsofthsm2.so). */
  readonly module: string;
  /** The token, by label (CKA token label) or by slot id. */
  readonly token: TokenSelector;
  /** Where the user PIN is read from. */
  readonly pin: SecretSource;
  /** The environment the PIN variable is read from; process.env when not given. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** CKA_ID length for new keys: links a key pair's two objects (and a certificate stored beside them). */
const idLength = 16;
/** Return values that mean the credential was refused (PKCS#11 v2.40 §5.1). */
const credentialRefusals = new Set([
  pkcs11js.CKR_PIN_INCORRECT, pkcs11js.CKR_PIN_LOCKED, pkcs11js.CKR_PIN_LEN_RANGE, pkcs11js.CKR_PIN_EXPIRED,
]);
/**
 * Return values of an unwrap whose input fails the integrity check; SoftHSM 2.6.1 answers
 * CKR_GENERAL_ERROR for an altered RFC 5649 blob (checked here), others the specific values.
 */
const unwrapRefusals = new Set([
  pkcs11js.CKR_WRAPPED_KEY_INVALID, pkcs11js.CKR_WRAPPED_KEY_LEN_RANGE, pkcs11js.CKR_ENCRYPTED_DATA_INVALID, pkcs11js.CKR_GENERAL_ERROR,
]);

export class Pkcs11Keystore implements Keystore {
  readonly kind = 'pkcs11';
  readonly #modulePath: string;
  readonly #pkcs11: Pkcs11;
  readonly #tokenName: string;
  #session: Handle | undefined;

  private constructor(modulePath: string, pkcs11: Pkcs11, session: Handle, tokenName: string) {
    this.#modulePath = modulePath;
    this.#pkcs11 = pkcs11;
    this.#session = session;
    this.#tokenName = tokenName;
  }

  /** Loads the module, finds the token, opens a read-write session and logs in as the user. */
  static async open(options: Pkcs11KeystoreOptions): Promise<Pkcs11Keystore> {
    const pin = await readSecret(options.pin, 'PKCS#11 user PIN', options.env ?? process.env);
    const pkcs11 = acquireModule(options.module);
    let session: Handle | undefined;
    try {
      const { slot, name } = findSlot(pkcs11, options.module, options.token);
      session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      try {
        pkcs11.C_Login(session, pkcs11js.CKU_USER, pin);
      } catch (error) {
        // Login state is per token and process: another keystore here has logged in already.
        if (returnValue(error) !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) {
          if (credentialRefusals.has(returnValue(error) ?? -1)) {
            throw new SecurityError('PW_ERR_KEYSTORE_AUTH', `Cannot log in to PKCS#11 token ${name}: `
              + `the token refused the PIN (${describe(error)})`, { cause: error });
          }
          throw new StoreError('PW_ERR_KEYSTORE', `Cannot log in to PKCS#11 token ${name}: ${describe(error)}`, { cause: error });
        }
      }
      return new Pkcs11Keystore(options.module, pkcs11, session, name);
    } catch (error) {
      if (session !== undefined) pkcs11.C_CloseSession(session);
      releaseModule(options.module);
      throw error instanceof PhasewireError ? error
        : new StoreError('PW_ERR_KEYSTORE', `Cannot open a session on PKCS#11 module ${options.module}: ${describe(error)}`,
          { cause: error });
    }
  }

  generateKeyPair(label: string, curve: EcCurve): Promise<KeyInfo> {
    return this.#run(`generate a ${curve} key pair "${label}"`, (session) => {
      checkKeyLabel(label);
      const info = curves[curve] as CurveInfo | undefined;
      if (info === undefined) {
        throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot generate a key pair on curve ${curve}: expected P-256 or P-384`);
      }
      this.#refuseExisting(session, label);
      const id = randomBytes(idLength);
      const [publicTemplate, privateTemplate] = ecKeyPairTemplates(label, id, info.params);
      const keys = this.#pkcs11.C_GenerateKeyPair(session, { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN }, publicTemplate, privateTemplate);
      const point = this.#attribute(session, keys.publicKey, pkcs11js.CKA_EC_POINT);
      return { label, kind: 'ec-private', curve, publicKey: spkiFromEcPoint(info, point) };
    });
  }

  generateSecret(label: string): Promise<KeyInfo> {
    return this.#run(`generate secret "${label}"`, (session) => {
      checkKeyLabel(label);
      this.#refuseExisting(session, label);
      const [deriveTemplate, wrapTemplate] = secretTemplates(label, randomBytes(idLength));
      const derive = this.#pkcs11.C_GenerateKey(session, { mechanism: pkcs11js.CKM_GENERIC_SECRET_KEY_GEN }, deriveTemplate);
      try {
        this.#pkcs11.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, wrapTemplate);
      } catch (error) {
        this.#pkcs11.C_DestroyObject(session, derive);
        throw error;
      }
      return { label, kind: 'secret' };
    });
  }

  sign(label: string, data: Uint8Array): Promise<Uint8Array> {
    return this.#run(`sign with "${label}"`, (session) => {
      const { handle, info } = this.#privateKey(session, label);
      const digest = createHash(info.hash).update(data).digest();
      this.#pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, handle);
      const raw = this.#pkcs11.C_Sign(session, digest, Buffer.alloc(2 * info.size));
      return derFromRawSignature(info, raw);
    });
  }

  deriveKey(label: string, info: Uint8Array, length: number): Promise<Uint8Array> {
    return this.#run(`derive from "${label}"`, (session) => {
      checkDerivedLength(label, length);
      const secret = this.#secret(session, label, pkcs11js.CKK_GENERIC_SECRET);
      // HKDF-Expand, one block: T(1) = HMAC-Hash(PRK, info || 0x01) (RFC 5869 §2.3), in the token.
      this.#pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_HMAC }, secret);
      const block = this.#pkcs11.C_Sign(session, Buffer.concat([info, Uint8Array.of(1)]), Buffer.alloc(32));
      const okm = new Uint8Array(block.subarray(0, length));
      block.fill(0);
      return okm;
    });
  }

  wrapKey(wrappingLabel: string, key: Uint8Array): Promise<Uint8Array> {
    return this.#run(`wrap a key under "${wrappingLabel}"`, (session) => {
      checkKeyToWrap(wrappingLabel, key);
      const wrapping = this.#secret(session, wrappingLabel, pkcs11js.CKK_AES);
      // The bytes enter the token as a session object only long enough to be wrapped by it.
      const carrier = this.#pkcs11.C_CreateObject(session, [...carrierTemplate, { type: pkcs11js.CKA_VALUE, value: Buffer.from(key) }]);
      try {
        const wrapped = this.#pkcs11.C_WrapKey(session, { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD }, wrapping, carrier,
          Buffer.alloc(key.length + 8));
        return new Uint8Array(wrapped);
      } finally {
        this.#pkcs11.C_DestroyObject(session, carrier);
      }
    });
  }

  unwrapKey(wrappingLabel: string, wrapped: Uint8Array): Promise<Uint8Array> {
    return this.#run(`unwrap a key under "${wrappingLabel}"`, (session) => {
      checkWrapped(wrappingLabel, wrapped);
      const wrapping = this.#secret(session, wrappingLabel, pkcs11js.CKK_AES);
      let carrier: Handle;
      try {
        carrier = this.#pkcs11.C_UnwrapKey(
          session, { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD }, wrapping, Buffer.from(wrapped), carrierTemplate,
        );
      } catch (error) {
        if (unwrapRefusals.has(returnValue(error) ?? -1)) {
          throw new SecurityError('PW_ERR_KEY_UNWRAP',
            `Cannot unwrap ${wrapped.length} bytes under "${wrappingLabel}": the integrity check of RFC 5649 failed (${describe(error)})`,
            { cause: error });
        }
        throw error;
      }
      try {
        return new Uint8Array(this.#attribute(session, carrier, pkcs11js.CKA_VALUE));
      } finally {
        this.#pkcs11.C_DestroyObject(session, carrier);
      }
    });
  }

  list(): Promise<KeyInfo[]> {
    return this.#run('list keys', (session) => {
      const labels = new Set<string>();
      for (const handle of this.#findAll(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }])) {
        labels.add(this.#attribute(session, handle, pkcs11js.CKA_LABEL).toString('utf8'));
      }
      for (const handle of this.#findAll(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
      ])) {
        labels.add(this.#attribute(session, handle, pkcs11js.CKA_LABEL).toString('utf8'));
      }
      return [...labels].sort().flatMap((label) => this.#describe(session, label) ?? []);
    });
  }

  find(label: string): Promise<KeyInfo | undefined> {
    return this.#run(`find "${label}"`, (session) => this.#describe(session, checkKeyLabel(label)));
  }

  remove(label: string): Promise<void> {
    return this.#run(`remove "${label}"`, (session): undefined => {
      checkKeyLabel(label);
      const handles = this.#keyObjects(session, label);
      if (handles.length === 0) throw notFound(label, this.#tokenName);
      for (const handle of handles) this.#pkcs11.C_DestroyObject(session, handle);
      return undefined;
    });
  }

  close(): Promise<void> {
    const session = this.#session;
    if (session === undefined) return Promise.resolve();
    this.#session = undefined;
    return new Promise((resolve) => {
      try {
        // Closing the last session of the token also logs the user out (PKCS#11 v2.40 §5.6).
        this.#pkcs11.C_CloseSession(session);
      } finally {
        releaseModule(this.#modulePath);
      }
      resolve();
    });
  }

  /**
   * Runs one operation on the session, mapping token errors to PW_ERR_KEYSTORE, and settles the
   * returned promise with its result or its error.
   */
  #run<T>(action: string, operation: (session: Handle) => T): Promise<T> {
    return new Promise<T>((resolve) => {
      resolve(this.#runNow(action, operation));
    });
  }

  #runNow<T>(action: string, operation: (session: Handle) => T): T {
    const session = this.#session;
    if (session === undefined) {
      throw new ValidationError('PW_ERR_KEYSTORE_CLOSED', `Cannot ${action}: the PKCS#11 keystore on ${this.#tokenName} is closed`);
    }
    try {
      return operation(session);
    } catch (error) {
      if (error instanceof PhasewireError) throw error;
      throw new StoreError('PW_ERR_KEYSTORE', `Cannot ${action} on PKCS#11 token ${this.#tokenName}: ${describe(error)}`, { cause: error });
    }
  }

  #describe(session: Handle, label: string): KeyInfo | undefined {
    const [privateKey] = this.#findAll(session, labelled(pkcs11js.CKO_PRIVATE_KEY, label));
    if (privateKey !== undefined) {
      const info = this.#curveOf(session, privateKey);
      const [publicKey] = this.#findAll(session, labelled(pkcs11js.CKO_PUBLIC_KEY, label));
      if (info === undefined) return undefined;
      return {
        label, kind: 'ec-private', curve: info.curve,
        ...(publicKey === undefined
          ? {}
          : { publicKey: spkiFromEcPoint(info, this.#attribute(session, publicKey, pkcs11js.CKA_EC_POINT)) }),
      };
    }
    const [secret] = this.#findAll(session, [
      ...labelled(pkcs11js.CKO_SECRET_KEY, label), { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
    ]);
    return secret === undefined ? undefined : { label, kind: 'secret' };
  }

  #privateKey(session: Handle, label: string): { handle: Handle; info: CurveInfo } {
    checkKeyLabel(label);
    const [handle] = this.#findAll(session, labelled(pkcs11js.CKO_PRIVATE_KEY, label));
    if (handle === undefined) {
      if (this.#describe(session, label) !== undefined) throw wrongKind(label, 'sign with', 'secret');
      throw notFound(label, this.#tokenName);
    }
    const info = this.#curveOf(session, handle);
    if (info === undefined) throw new ValidationError('PW_ERR_KEY_USAGE', `Cannot sign with "${label}": it is not a P-256 or P-384 EC key`);
    return { handle, info };
  }

  #secret(session: Handle, label: string, keyType: number): Handle {
    checkKeyLabel(label);
    const [handle] = this.#findAll(session, [...labelled(pkcs11js.CKO_SECRET_KEY, label), { type: pkcs11js.CKA_KEY_TYPE, value: keyType }]);
    if (handle !== undefined) return handle;
    const found = this.#describe(session, label);
    if (found !== undefined) throw wrongKind(label, keyType === pkcs11js.CKK_AES ? 'wrap with' : 'derive from', found.kind);
    throw notFound(label, this.#tokenName);
  }

  #curveOf(session: Handle, handle: Handle): CurveInfo | undefined {
    const [type, params] = this.#pkcs11.C_GetAttributeValue(session, handle, [
      { type: pkcs11js.CKA_KEY_TYPE }, { type: pkcs11js.CKA_EC_PARAMS },
    ]);
    if (type === undefined || params === undefined || readUlong(type.value) !== pkcs11js.CKK_EC) return undefined;
    return curveOfParams(params.value);
  }

  #refuseExisting(session: Handle, label: string): void {
    if (this.#keyObjects(session, label).length > 0) {
      throw new ValidationError('PW_ERR_KEY_EXISTS', `Cannot create key "${label}" on PKCS#11 token ${this.#tokenName}: `
        + 'a key with that label exists');
    }
  }

  /** Every key object (private, public, secret) with the label; certificates and data are not keys. */
  #keyObjects(session: Handle, label: string): Handle[] {
    return [pkcs11js.CKO_PRIVATE_KEY, pkcs11js.CKO_PUBLIC_KEY, pkcs11js.CKO_SECRET_KEY]
      .flatMap((objectClass) => this.#findAll(session, labelled(objectClass, label)));
  }

  #findAll(session: Handle, template: Template): Handle[] {
    this.#pkcs11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_TOKEN, value: true }, ...template]);
    try {
      const found: Handle[] = [];
      for (;;) {
        const batch = this.#pkcs11.C_FindObjects(session, 64);
        if (batch.length === 0) return found;
        found.push(...batch);
      }
    } finally {
      this.#pkcs11.C_FindObjectsFinal(session);
    }
  }

  #attribute(session: Handle, handle: Handle, type: number): Buffer {
    const [attribute] = this.#pkcs11.C_GetAttributeValue(session, handle, [{ type }]);
    if (attribute === undefined) {
      throw new StoreError('PW_ERR_KEYSTORE', `Cannot read attribute 0x${type.toString(16)} on PKCS#11 token ${this.#tokenName}`);
    }
    return attribute.value;
  }
}

function notFound(label: string, token: string): ValidationError {
  return new ValidationError('PW_ERR_KEY_NOT_FOUND', `Cannot find key "${label}" on PKCS#11 token ${token}: no key has that label`);
}

function wrongKind(label: string, action: string, kind: string): ValidationError {
  return new ValidationError('PW_ERR_KEY_USAGE',
    `Cannot ${action} "${label}": it is a${kind === 'secret' ? ' secret' : 'n EC private key'}`);
}
