// The sending side of the payload envelope: a meter's uplink, the head-end's commands.
// seal() takes the body bytes (CBOR), reserves the next invocation counter durably, and returns
// header || AES-256-GCM(body) || tag, with the nonce and associated data of device-binding.ts.
import { ValidationError } from '@phasewire/core';
import { CounterReservation } from '../replay/counter-reservation.ts';
import type { CounterScope, CounterStore } from '../replay/counter-store.ts';
import type { Aead, AeadKey, MaybePromise } from './aead.ts';
import { encodeEnvelopeBody } from './body-codec.ts';
import { DeviceContexts } from './device-context.ts';
import type { DeviceContext } from './device-context.ts';
import type { DeviceId } from './device-binding.ts';
import type { EnvelopeKeyProvider } from './envelope-keys.ts';
import { checkMaxBodyBytes, defaultMaxBodyBytes } from './envelope-format.ts';
import type { Direction, MessageType } from './envelope-format.ts';
import type { KeyRing } from './key-ring.ts';

export interface EnvelopeSenderOptions {
  /** The direction this side sends: 'uplink' on a device, 'downlink' on the head-end. */
  readonly direction: Direction;
  readonly aead: Aead;
  readonly keys: EnvelopeKeyProvider;
  readonly keyRing: KeyRing;
  /** Durable high-water marks of the reserved counters (a file on a device, the database on the head-end). */
  readonly counters: CounterStore;
  /** Bound of a body in bytes; default 64 KiB. */
  readonly maxBodyBytes?: number;
  /** Counters reserved per durable write; default 1024. */
  readonly counterBlockSize?: number;
  /** Largest counter under one key id; default 2^64 − 1. */
  readonly counterLimit?: bigint;
  /** Counter from which rotation is due; default 15/16 of the limit. */
  readonly rotateAt?: bigint;
  /** Told once per (device, direction, key id) when the counter passes `rotateAt`. */
  readonly onRotationDue?: (device: DeviceId, keyId: number, counter: bigint) => void;
}

export class EnvelopeSender {
  readonly #aead: Aead;
  readonly #keys: EnvelopeKeyProvider;
  readonly #ring: KeyRing;
  readonly #maxBodyBytes: number;
  readonly #reservation: CounterReservation;
  readonly #devices: DeviceContexts;

  constructor(options: EnvelopeSenderOptions) {
    this.#aead = options.aead;
    this.#keys = options.keys;
    this.#ring = options.keyRing;
    this.#maxBodyBytes = checkMaxBodyBytes(options.maxBodyBytes ?? defaultMaxBodyBytes);
    this.#devices = new DeviceContexts(options.direction);
    const { onRotationDue } = options;
    this.#reservation = new CounterReservation({
      store: options.counters,
      ...(options.counterBlockSize === undefined ? {} : { blockSize: options.counterBlockSize }),
      ...(options.counterLimit === undefined ? {} : { limit: options.counterLimit }),
      ...(options.rotateAt === undefined ? {} : { rotateAt: options.rotateAt }),
      ...(onRotationDue === undefined ? {} : {
        onRotationDue: (scope: CounterScope, counter: bigint) => {
          const [device, , keyId] = scope.split('/');
          onRotationDue(device as DeviceId, Number(keyId), counter);
        },
      }),
    });
  }

  /**
   * Seals `body` (the message's CBOR bytes) for `device`. Returns the envelope itself when nothing
   * had to wait (the key at hand, the counter inside a reserved block), a promise otherwise; a
   * refusal is always a rejected promise: a body over the bound (PW_ERR_INVALID_ARGUMENT), a device
   * without a key (PW_ERR_ENVELOPE_UNKNOWN_KEY), an exhausted counter (PW_ERR_COUNTER_EXHAUSTED).
   */
  seal(device: DeviceId, messageType: MessageType, body: Uint8Array): MaybePromise<Uint8Array> {
    try {
      if (body.length > this.#maxBodyBytes) {
        throw new ValidationError('PW_ERR_INVALID_ARGUMENT',
          `Cannot seal a ${messageType} envelope for ${device}: body of ${body.length} bytes, expected at most ${this.#maxBodyBytes}`);
      }
      const context = this.#devices.get(device);
      const keyId = this.#ring.sealingKeyId(device);
      const key = this.#keys.key(context.binding, keyId);
      if ('then' in key) return key.then((ready) => this.#sealWithKey(context, keyId, ready, messageType, body));
      return this.#sealWithKey(context, keyId, key, messageType, body);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Encodes `value` as CBOR and seals it. */
  sealValue(device: DeviceId, messageType: MessageType, value: unknown): MaybePromise<Uint8Array> {
    return this.seal(device, messageType, encodeEnvelopeBody(value));
  }

  #sealWithKey(context: DeviceContext, keyId: number, key: AeadKey, messageType: MessageType, body: Uint8Array): MaybePromise<Uint8Array> {
    // The counter comes last, after every check: a refused seal spends none.
    const next = this.#reservation.next(context.scope(keyId));
    if (typeof next !== 'bigint') return next.then((counter) => this.#sealNow(context, keyId, key, messageType, body, counter));
    return this.#sealNow(context, keyId, key, messageType, body, next);
  }

  #sealNow(context: DeviceContext, keyId: number, key: AeadKey, messageType: MessageType, body: Uint8Array, counter: bigint): Uint8Array {
    const header = context.writeHeader(messageType, keyId, counter, body.length);
    return this.#aead.seal(key, context.nonce(header), context.associatedData(header), body, header);
  }
}
