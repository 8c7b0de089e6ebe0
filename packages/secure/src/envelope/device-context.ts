// Per-device state of a sender or receiver, computed once per device and kept within a bound:
// the binding, the counter scope of each key id, and scratch buffers for the header, the nonce
// and the associated data. The scratch buffers are reused for every message: the Aead port reads
// its arguments only during the (synchronous) call, so no two messages can share them at once.
import { counterScope } from '../replay/counter-store.ts';
import type { CounterScope } from '../replay/counter-store.ts';
import { bindDevice, envelopeNonceLength } from './device-binding.ts';
import type { DeviceBinding, DeviceId } from './device-binding.ts';
import { directionCodes, envelopeHeaderLength, writeHeader } from './envelope-format.ts';
import type { Direction, MessageType } from './envelope-format.ts';

/** Where the counter sits in the header (bytes 8 to 15) and in the nonce (bytes 4 to 11). */
const headerCounterOffset = 8;
const nonceCounterOffset = 4;

export class DeviceContext {
  readonly binding: DeviceBinding;
  readonly #direction: Direction;
  readonly #scopes = new Map<number, CounterScope>();
  #lastKeyId = 0;
  #lastScope = '' as CounterScope;
  readonly #nonce = new Uint8Array(envelopeNonceLength);
  /** Header bytes first, then the device id's length and bytes: the associated data. */
  readonly #aad: Uint8Array;
  /** The first 20 bytes of #aad: a header written there is already in the associated data. */
  readonly #header: Uint8Array;
  readonly #headerView: DataView;

  constructor(binding: DeviceBinding, direction: Direction) {
    this.binding = binding;
    this.#direction = direction;
    // Nonce fixed field and the device part of the associated data never change for the device.
    this.#nonce[0] = directionCodes[direction];
    this.#nonce[1] = (binding.deviceTag >>> 16) & 0xff;
    this.#nonce[2] = (binding.deviceTag >>> 8) & 0xff;
    this.#nonce[3] = binding.deviceTag & 0xff;
    this.#aad = new Uint8Array(envelopeHeaderLength + 1 + binding.idBytes.length);
    this.#aad[envelopeHeaderLength] = binding.idBytes.length;
    this.#aad.set(binding.idBytes, envelopeHeaderLength + 1);
    this.#header = this.#aad.subarray(0, envelopeHeaderLength);
    this.#headerView = new DataView(this.#aad.buffer, 0, envelopeHeaderLength);
  }

  /**
   * Writes a header for sending into the scratch buffer; nonce() and associatedData() then
   * describe it. Returns the header bytes (valid until the next call).
   */
  writeHeader(messageType: MessageType, keyId: number, counter: bigint, bodyLength: number): Uint8Array {
    writeHeader(this.#headerView, this.#direction, messageType, keyId, counter, bodyLength);
    return this.#header;
  }

  scope(keyId: number): CounterScope {
    // Nearly every message uses the key id of the one before: that one is kept at hand.
    if (keyId === this.#lastKeyId) return this.#lastScope;
    let scope = this.#scopes.get(keyId);
    if (scope === undefined) {
      scope = counterScope(this.binding.deviceId, this.#direction, keyId);
      this.#scopes.set(keyId, scope);
    }
    this.#lastKeyId = keyId;
    this.#lastScope = scope;
    return scope;
  }

  /** buildNonce() of device-binding.ts, in the scratch buffer: the counter is copied from the header. */
  nonce(headerBytes: Uint8Array): Uint8Array {
    for (let i = 0; i < 8; i += 1) this.#nonce[nonceCounterOffset + i] = headerBytes[headerCounterOffset + i] ?? 0;
    return this.#nonce;
  }

  /** buildAssociatedData() of device-binding.ts, in the scratch buffer. */
  associatedData(headerBytes: Uint8Array): Uint8Array {
    if (headerBytes !== this.#header) {
      for (let i = 0; i < envelopeHeaderLength; i += 1) this.#aad[i] = headerBytes[i] ?? 0;
    }
    return this.#aad;
  }
}

/** Device contexts for one direction, the oldest dropped past `max` devices. */
export class DeviceContexts {
  readonly #direction: Direction;
  readonly #max: number;
  readonly #contexts = new Map<DeviceId, DeviceContext>();

  constructor(direction: Direction, max = 100_000) {
    this.#direction = direction;
    this.#max = max;
  }

  get(device: DeviceId): DeviceContext {
    let context = this.#contexts.get(device);
    if (context === undefined) {
      context = new DeviceContext(bindDevice(device), this.#direction);
      if (this.#contexts.size >= this.#max) {
        const oldest = this.#contexts.keys().next();
        if (oldest.done !== true) this.#contexts.delete(oldest.value);
      }
      this.#contexts.set(device, context);
    }
    return context;
  }
}
