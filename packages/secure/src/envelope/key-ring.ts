// Which key ids a device's envelopes may use. One key id seals; after a rotation the previous one
// still opens until its grace period ends, so nothing in flight is lost; then it is refused with a
// clear error. Key ids only go up: a generation is never reused, so its counter space is never
// entered twice (security-anchors R33: the counter baseline resets only with a new key).
import type { Clock } from '@phasewire/core';
import { SecurityError, ValidationError } from '@phasewire/core';
import type { DeviceId } from './device-binding.ts';
import { maxKeyId } from './envelope-format.ts';

export interface KeyRingOptions {
  readonly clock: Clock;
  /**
   * The key id of every device that has no entry of its own (a fleet-wide first generation).
   * Without it, a device without an entry has no key and its envelopes are refused.
   */
  readonly initialKeyId?: number;
}

/** A device's key ids, as the owner persists them (the registry on the head-end, a file on a meter). */
export interface DeviceKeyState {
  readonly current: number;
  /** Earlier key ids that still open, each until a wall-clock time in milliseconds. */
  readonly grace: readonly { readonly keyId: number; readonly until: number }[];
}

export class KeyRing {
  readonly #clock: Clock;
  readonly #initialKeyId: number | undefined;
  readonly #devices = new Map<DeviceId, DeviceKeyState>();

  constructor(options: KeyRingOptions) {
    if (options.initialKeyId !== undefined) checkKeyId(options.initialKeyId);
    this.#clock = options.clock;
    this.#initialKeyId = options.initialKeyId;
  }

  /** The key id that seals for the device; throws PW_ERR_ENVELOPE_UNKNOWN_KEY when it has none. */
  sealingKeyId(device: DeviceId): number {
    const current = this.#devices.get(device)?.current ?? this.#initialKeyId;
    if (current === undefined) {
      throw new SecurityError('PW_ERR_ENVELOPE_UNKNOWN_KEY', `Cannot seal for ${device}: no key id is installed for the device`);
    }
    return current;
  }

  /**
   * Accepts a key id that may open envelopes of the device now; throws PW_ERR_ENVELOPE_UNKNOWN_KEY
   * for one never installed (or above the current one) and PW_ERR_ENVELOPE_KEY_RETIRED for an
   * earlier one whose grace period has ended.
   */
  check(device: DeviceId, keyId: number): void {
    const state = this.#devices.get(device);
    const current = state?.current ?? this.#initialKeyId;
    if (current === undefined) {
      throw new SecurityError('PW_ERR_ENVELOPE_UNKNOWN_KEY', `Cannot open envelope from ${device} under key id ${keyId}: `
        + 'no key id is installed for the device');
    }
    if (keyId === current) return;
    if (keyId > current) {
      throw new SecurityError('PW_ERR_ENVELOPE_UNKNOWN_KEY',
        `Cannot open envelope from ${device} under key id ${keyId}: the device's current key id is ${current}`);
    }
    const now = this.#clock.now();
    const grace = state?.grace.find((entry) => entry.keyId === keyId);
    if (grace !== undefined && now < grace.until) return;
    throw new SecurityError('PW_ERR_ENVELOPE_KEY_RETIRED',
      grace === undefined
        ? `Cannot open envelope from ${device} under key id ${keyId}: it was retired, the current key id is ${current}`
        : `Cannot open envelope from ${device} under key id ${keyId}: its grace period ended at ${new Date(grace.until).toISOString()}, `
          + `the current key id is ${current}`);
  }

  /**
   * Makes `keyId` the sealing key of the device. The previous one keeps opening for `graceMs`
   * milliseconds from now (0 retires it at once); earlier grace entries keep their own end.
   */
  rotate(device: DeviceId, keyId: number, graceMs: number): void {
    checkKeyId(keyId);
    if (!Number.isFinite(graceMs) || graceMs < 0) {
      throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot rotate ${device}: grace period ${graceMs} ms, expected 0 or more`);
    }
    const state = this.#devices.get(device);
    const current = state?.current ?? this.#initialKeyId;
    if (current !== undefined && keyId <= current) {
      throw new ValidationError('PW_ERR_INVALID_ARGUMENT',
        `Cannot rotate ${device} to key id ${keyId}: key ids only go up and the current one is ${current}`);
    }
    const now = this.#clock.now();
    const grace = (state?.grace ?? []).filter((entry) => entry.until > now);
    if (current !== undefined && graceMs > 0) grace.push({ keyId: current, until: now + graceMs });
    this.#devices.set(device, { current: keyId, grace });
  }

  /** The device's state for persistence; undefined when it only has the initial key id. */
  state(device: DeviceId): DeviceKeyState | undefined {
    return this.#devices.get(device);
  }

  /** Restores a persisted state (at start-up). */
  restore(device: DeviceId, state: DeviceKeyState): void {
    checkKeyId(state.current);
    for (const entry of state.grace) {
      checkKeyId(entry.keyId);
      if (entry.keyId >= state.current) {
        throw new ValidationError('PW_ERR_INVALID_ARGUMENT',
          `Cannot restore key ids of ${device}: grace key id ${entry.keyId} is not below the current ${state.current}`);
      }
    }
    this.#devices.set(device, { current: state.current, grace: [...state.grace] });
  }
}

function checkKeyId(keyId: number): void {
  if (!Number.isInteger(keyId) || keyId < 1 || keyId > maxKeyId) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot use key id ${keyId}: expected an integer from 1 to ${maxKeyId}`);
  }
}
