// The PKCS#11 object templates of the keystore, the slot lookup and small attribute helpers
// (PKCS#11 v2.40 §4: object classes and attributes).
import { ConfigError } from '@phasewire/core';
import { pkcs11js } from './pkcs11-module.ts';
import type { Pkcs11 } from './pkcs11-module.ts';

type Handle = Buffer;
export type Template = pkcs11js.Template;

/** A token by its label or its slot id. */
export type TokenSelector = { readonly label: string } | { readonly slotId: number };

/**
 * An EC key pair: the private key a token object, private, sensitive, never extractable, for
 * signing only; the public key a token object beside it with the same label and CKA_ID.
 */
export function ecKeyPairTemplates(label: string, id: Buffer, params: Buffer): [Template, Template] {
  const common: Template = [
    { type: pkcs11js.CKA_TOKEN, value: true }, { type: pkcs11js.CKA_LABEL, value: label }, { type: pkcs11js.CKA_ID, value: id },
  ];
  return [[
    ...common,
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC },
    { type: pkcs11js.CKA_PRIVATE, value: false },
    { type: pkcs11js.CKA_VERIFY, value: true },
    { type: pkcs11js.CKA_EC_PARAMS, value: params },
  ], [
    ...common,
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC },
    { type: pkcs11js.CKA_PRIVATE, value: true },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: false },
    { type: pkcs11js.CKA_SIGN, value: true },
    { type: pkcs11js.CKA_DERIVE, value: false },
  ]];
}

/**
 * The two objects of a 256-bit secret: a generic secret that only signs (CKM_SHA256_HMAC, for
 * HKDF-Expand) and an AES key that only wraps and unwraps (CKM_AES_KEY_WRAP_PAD). Both token
 * objects, private, sensitive, never extractable, with the same label and CKA_ID.
 */
export function secretTemplates(label: string, id: Buffer): [Template, Template] {
  const common: Template = [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: true },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: false },
    { type: pkcs11js.CKA_LABEL, value: label },
    { type: pkcs11js.CKA_ID, value: id },
    { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
    { type: pkcs11js.CKA_ENCRYPT, value: false },
    { type: pkcs11js.CKA_DECRYPT, value: false },
  ];
  return [[
    ...common,
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
    { type: pkcs11js.CKA_SIGN, value: true },
    { type: pkcs11js.CKA_WRAP, value: false },
    { type: pkcs11js.CKA_UNWRAP, value: false },
  ], [
    ...common,
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
    { type: pkcs11js.CKA_SIGN, value: false },
    { type: pkcs11js.CKA_WRAP, value: true },
    { type: pkcs11js.CKA_UNWRAP, value: true },
  ]];
}

/**
 * A session object that carries raw key bytes in or out of a wrap: never a token object, and
 * readable, because the bytes are the caller's to begin with (wrap) or to receive (unwrap).
 */
export const carrierTemplate: Template = [
  { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
  { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
  { type: pkcs11js.CKA_TOKEN, value: false },
  { type: pkcs11js.CKA_SENSITIVE, value: false },
  { type: pkcs11js.CKA_EXTRACTABLE, value: true },
];

/** A CK_ULONG attribute value in the host's byte order and width (8 bytes on 64-bit Linux). */
export function readUlong(value: Buffer): number {
  return value.length === 8 ? Number(value.readBigUInt64LE(0)) : value.readUInt32LE(0);
}

export function labelled(objectClass: number, label: string): Template {
  return [{ type: pkcs11js.CKA_CLASS, value: objectClass }, { type: pkcs11js.CKA_LABEL, value: label }];
}

export function findSlot(pkcs11: Pkcs11, module: string, token: TokenSelector): { slot: Handle; name: string } {
  const slots = pkcs11.C_GetSlotList(true);
  const seen: string[] = [];
  for (const slot of slots) {
    const info = pkcs11.C_GetTokenInfo(slot);
    // CKF_TOKEN_INITIALIZED: an empty slot of SoftHSM has a token that is not initialised yet.
    if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) continue;
    const label = info.label.trimEnd();
    const slotId = Number(slot.readBigUInt64LE(0));
    seen.push(`"${label}" (slot ${slotId})`);
    if ('label' in token ? label === token.label : slotId === token.slotId) return { slot, name: `"${label}" (slot ${slotId})` };
  }
  const wanted = 'label' in token ? `a token labelled "${token.label}"` : `slot ${token.slotId}`;
  throw new ConfigError('PW_ERR_KEYSTORE_CONFIG',
    `Cannot find ${wanted} in PKCS#11 module ${module}: it offers ${seen.length === 0 ? 'no initialised token' : seen.join(', ')}`);
}
