// What ties an envelope to one device: the GCM nonce and the associated data.
//
// Nonce (NIST SP 800-38D §8.2.1, deterministic construction): a 4-byte fixed field that names the
// context, then the 8-byte invocation counter. The fixed field is the direction code followed by
// a 24-bit tag of the device id. Uniqueness of (key, nonce) rests on the per-device key, the
// direction byte and the strictly increasing counter; the device tag only separates devices
// further should a key ever be shared by mistake.
//
// Associated data: the 20 header bytes (version, direction, message type, flags, key id, counter,
// body length), then the device id's length and bytes. A message reflected (uplink presented as
// downlink) or re-targeted (device A's message presented as device B's) authenticates under
// different associated data and fails.
import type { GatewayId, MeterId } from '@phasewire/core';
import { ValidationError } from '@phasewire/core';
import { directionCodes, envelopeHeaderLength } from './envelope-format.ts';
import type { Direction } from './envelope-format.ts';

/** A meter or a gateway: whoever holds the per-device key. */
export type DeviceId = MeterId | GatewayId;

/** GCM nonce length for the deterministic construction (NIST SP 800-38D §8.2.1). */
export const envelopeNonceLength = 12;
/** Device ids are at most 64 characters (core ids.ts), so one length byte suffices. */
const maxDeviceIdBytes = 255;

/** The per-device values an envelope needs, computed once per device and cached by the caller. */
export interface DeviceBinding {
  readonly deviceId: DeviceId;
  /** UTF-8 bytes of the device id. */
  readonly idBytes: Uint8Array;
  /** The low 24 bits of FNV-1a-32 over the id bytes: the device part of the nonce's fixed field. */
  readonly deviceTag: number;
}

const utf8 = new TextEncoder();

// FNV-1a, 32-bit (offset basis 2166136261, prime 16777619): IETF draft-eastlake-fnv-21 §2.
const fnvOffsetBasis = 0x811c9dc5;
const fnvPrime = 0x01000193;

export function bindDevice(deviceId: DeviceId): DeviceBinding {
  const idBytes = utf8.encode(deviceId);
  if (idBytes.length === 0 || idBytes.length > maxDeviceIdBytes) {
    throw new ValidationError('PW_ERR_INVALID_ID',
      `Cannot bind a payload envelope to device id of ${idBytes.length} bytes: expected 1 to ${maxDeviceIdBytes}`);
  }
  let hash = fnvOffsetBasis;
  for (const byte of idBytes) hash = Math.imul(hash ^ byte, fnvPrime) >>> 0;
  return { deviceId, idBytes, deviceTag: hash & 0xff_ffff };
}

/** The 12-byte GCM nonce: [direction, device tag (3 bytes), counter (8 bytes, big-endian)]. */
export function buildNonce(binding: DeviceBinding, direction: Direction, counter: bigint): Uint8Array {
  const nonce = new Uint8Array(envelopeNonceLength);
  const view = new DataView(nonce.buffer);
  view.setUint32(0, ((directionCodes[direction] << 24) | binding.deviceTag) >>> 0);
  view.setBigUint64(4, counter);
  return nonce;
}

/** The associated data: header bytes, then the device id's length byte and bytes. */
export function buildAssociatedData(binding: DeviceBinding, headerBytes: Uint8Array): Uint8Array {
  const aad = new Uint8Array(envelopeHeaderLength + 1 + binding.idBytes.length);
  aad.set(headerBytes.subarray(0, envelopeHeaderLength), 0);
  aad[envelopeHeaderLength] = binding.idBytes.length;
  aad.set(binding.idBytes, envelopeHeaderLength + 1);
  return aad;
}
