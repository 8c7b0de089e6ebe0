// The receiving side of the payload envelope: the head-end's ingest, a meter's command handler.
// open() runs the checks cheapest first and accepts nothing until all have passed: decode the
// header (bounds first), direction, key id, replay pre-check, AES-256-GCM with a 16-byte tag,
// then the replay window is advanced durably and only then is the body returned. The path stays
// synchronous up to the durable write, so a message costs no promise it does not need: at the
// rates of PERFORMANCE.md the promises of an always-async path cost as much as the AES-GCM itself.
import type { ErrorCode } from '@phasewire/core';
import { PhasewireError, SecurityError } from '@phasewire/core';
import type { CounterScope, CounterStore } from '../replay/counter-store.ts';
import { ReplayWindow } from '../replay/replay-window.ts';
import type { Aead, AeadKey, MaybePromise } from './aead.ts';
import { DeviceContexts } from './device-context.ts';
import type { DeviceContext } from './device-context.ts';
import { decodeEnvelopeBody } from './body-codec.ts';
import type { DeviceId } from './device-binding.ts';
import type { EnvelopeKeyProvider } from './envelope-keys.ts';
import { checkMaxBodyBytes, decodeEnvelopeHeader, defaultMaxBodyBytes, envelopeCiphertext, envelopeTag } from './envelope-format.ts';
import type { Direction, EnvelopeHeader } from './envelope-format.ts';
import type { KeyRing } from './key-ring.ts';

export interface EnvelopeReceiverOptions {
  /** The direction this side receives: 'uplink' on the head-end, 'downlink' on a device. */
  readonly direction: Direction;
  readonly aead: Aead;
  readonly keys: EnvelopeKeyProvider;
  readonly keyRing: KeyRing;
  /** The replay window: last accepted counter per (device, direction, key id), durable. */
  readonly window: CounterStore;
  /** Bound of a body in bytes; default 64 KiB. Larger envelopes are refused before any work. */
  readonly maxBodyBytes?: number;
  /** Told of every refusal (to log it); the refusal is counted whether or not this is set. */
  readonly onRefusal?: (refusal: EnvelopeRefusal) => void;
}

export interface EnvelopeRefusal {
  readonly device: DeviceId;
  readonly code: ErrorCode;
  readonly error: PhasewireError;
}

export interface OpenedEnvelope {
  readonly header: EnvelopeHeader;
  /** The body bytes (CBOR), authenticated and fresh. */
  readonly body: Uint8Array;
}

export interface OpenedValue {
  readonly header: EnvelopeHeader;
  readonly value: unknown;
}

const asOpened = (opened: OpenedEnvelope): OpenedEnvelope => opened;
const asValue = (opened: OpenedEnvelope): OpenedValue => ({ header: opened.header, value: decodeEnvelopeBody(opened.body) });

export class EnvelopeReceiver {
  readonly #direction: Direction;
  readonly #aead: Aead;
  readonly #keys: EnvelopeKeyProvider;
  readonly #ring: KeyRing;
  readonly #window: ReplayWindow;
  readonly #maxBodyBytes: number;
  readonly #onRefusal: ((refusal: EnvelopeRefusal) => void) | undefined;
  readonly #refusals = new Map<ErrorCode, number>();
  readonly #devices: DeviceContexts;

  constructor(options: EnvelopeReceiverOptions) {
    this.#direction = options.direction;
    this.#aead = options.aead;
    this.#keys = options.keys;
    this.#ring = options.keyRing;
    this.#window = new ReplayWindow(options.window);
    this.#maxBodyBytes = checkMaxBodyBytes(options.maxBodyBytes ?? defaultMaxBodyBytes);
    this.#onRefusal = options.onRefusal;
    this.#devices = new DeviceContexts(options.direction);
  }

  /**
   * Opens an envelope received from `device` (the identity the transport authenticated, never a
   * field of the message). Returns the body once the replay window has durably moved past the
   * counter — directly when nothing had to wait (the key at hand, a window store durable at once),
   * as a promise otherwise. A refusal is always a rejected promise, and leaves the window as it was.
   */
  open(device: DeviceId, bytes: Uint8Array): MaybePromise<OpenedEnvelope> {
    return this.#settle(device, bytes, asOpened);
  }

  /**
   * Opens an envelope and decodes its CBOR body. A body that is not well-formed CBOR is refused
   * (PW_ERR_ENVELOPE_BODY) before the replay window moves.
   */
  openValue(device: DeviceId, bytes: Uint8Array): MaybePromise<OpenedValue> {
    return this.#settle(device, bytes, asValue);
  }

  /**
   * Authenticates and decodes an envelope that the replay window has refused, without looking at
   * the window or moving it: every other check of openValue runs, AES-GCM included. Nothing it
   * returns may be acted on as new; it tells a redelivery of a message already handled (whose
   * receipt may be sent again) from bytes that merely carry an old counter. A refusal here is not
   * counted: the envelope was counted as a replay already.
   */
  reopenValue(device: DeviceId, bytes: Uint8Array): MaybePromise<OpenedValue> {
    return this.#settle(device, bytes, asValue, 'ignore-window');
  }

  /** How many envelopes were refused, by code, since this receiver was made. */
  refusals(): ReadonlyMap<ErrorCode, number> {
    return this.#refusals;
  }

  /**
   * Authenticates, lets `finish` build the result (it may still refuse), advances the window and
   * resolves with the result once the window is durable (with 'ignore-window': neither checks nor
   * moves the window, and counts no refusal). Synchronous up to the durable write when
   * the key is at hand, which is the common case, and entirely so with a window durable at once.
   * The checks run cheapest first (docs/security-envelope.md, "Checks on receipt"); the views of
   * ciphertext and tag are made only for an envelope that has passed all but the AEAD.
   */
  #settle<T>(
    device: DeviceId,
    bytes: Uint8Array,
    finish: (opened: OpenedEnvelope) => T,
    window: 'check' | 'ignore-window' = 'check',
  ): MaybePromise<T> {
    const checked = window === 'check';
    const fail = (error: unknown): Error => (checked ? this.#refused(device, error) : asError(error));
    let pending: Promise<T>;
    try {
      const header = decodeEnvelopeHeader(bytes, this.#maxBodyBytes);
      if (header.direction !== this.#direction) {
        throw new SecurityError('PW_ERR_ENVELOPE_DIRECTION',
          `Cannot open envelope from ${device}: it is marked ${header.direction}, this side receives ${this.#direction} only`);
      }
      const { keyId, counter } = header;
      this.#ring.check(device, keyId);
      const context = this.#devices.get(device);
      const scope = context.scope(keyId);
      // Refuse a replay before spending a decryption on it; accept() checks again afterwards.
      if (checked) this.#window.check(scope, counter);
      const key = this.#keys.key(context.binding, keyId);
      if ('then' in key) {
        pending = key.then((ready) => {
          const result = finish(this.#decrypt(context, header, ready, bytes));
          return checked ? this.#accept(scope, counter, result) : result;
        });
      } else {
        const result = finish(this.#decrypt(context, header, key, bytes));
        if (!checked) return result;
        const durable = this.#window.accept(scope, counter);
        if (durable === undefined) return result;
        pending = durable.then(() => result);
      }
    } catch (error) {
      return Promise.reject(fail(error));
    }
    return pending.catch((error: unknown) => {
      throw fail(error);
    });
  }

  async #accept<T>(scope: CounterScope, counter: bigint, result: T): Promise<T> {
    await this.#window.accept(scope, counter);
    return result;
  }

  /** The received bytes start with the header: nonce and associated data are read from them. */
  #decrypt(context: DeviceContext, header: EnvelopeHeader, key: AeadKey, bytes: Uint8Array): OpenedEnvelope {
    const { bodyLength } = header;
    const body = this.#aead.open(key, context.nonce(bytes), context.associatedData(bytes),
      envelopeCiphertext(bytes, bodyLength), envelopeTag(bytes, bodyLength));
    return { header, body };
  }

  #refused(device: DeviceId, error: unknown): Error {
    if (error instanceof PhasewireError) {
      this.#refusals.set(error.code, (this.#refusals.get(error.code) ?? 0) + 1);
      this.#onRefusal?.({ device, code: error.code, error });
    }
    return asError(error);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
