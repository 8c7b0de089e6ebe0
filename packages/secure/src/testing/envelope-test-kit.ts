// Test support: both ends of the payload envelope for a few devices, wired with the Node AEAD,
// in-memory counter stores and a manual clock. Each (device, key id) gets a random key, known to
// both ends as it would be after enrollment.
import { randomBytes } from 'node:crypto';
import type { ErrorCode } from '@phasewire/core';
import { ManualClock, parseMeterId } from '@phasewire/core';
import type { DeviceId } from '../envelope/device-binding.ts';
import { InstalledEnvelopeKeys } from '../envelope/envelope-keys.ts';
import { EnvelopeReceiver } from '../envelope/envelope-receiver.ts';
import type { EnvelopeRefusal } from '../envelope/envelope-receiver.ts';
import { EnvelopeSender } from '../envelope/envelope-sender.ts';
import type { EnvelopeSenderOptions } from '../envelope/envelope-sender.ts';
import { KeyRing } from '../envelope/key-ring.ts';
import { MemoryCounterStore } from '../replay/counter-store.ts';
import { NodeAead } from '../node/envelope/node-aead.ts';

export const meterA = parseMeterId('meter-000a');
export const meterB = parseMeterId('meter-000b');

export interface EnvelopeFixtureOptions {
  readonly maxBodyBytes?: number;
  readonly sender?: Partial<Pick<EnvelopeSenderOptions, 'counterBlockSize' | 'counterLimit' | 'rotateAt' | 'onRotationDue'>>;
}

export function envelopeFixture(options: EnvelopeFixtureOptions = {}) {
  const clock = new ManualClock(Date.UTC(2025, 0, 1));
  const aead = new NodeAead();
  const keys = new InstalledEnvelopeKeys(aead);
  const install = (device: DeviceId, keyId: number, raw: Uint8Array = randomBytes(32)): void => {
    keys.install(device, keyId, raw);
  };
  for (const device of [meterA, meterB]) install(device, 1);
  const deviceRing = new KeyRing({ clock, initialKeyId: 1 });
  const headEndRing = new KeyRing({ clock, initialKeyId: 1 });
  const limits = options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes };
  const refusals: EnvelopeRefusal[] = [];
  const deviceCounters = new MemoryCounterStore();
  const headEndCounters = new MemoryCounterStore();
  const headEndWindow = new MemoryCounterStore();
  const deviceWindow = new MemoryCounterStore();
  return {
    clock, aead, keys, install, deviceRing, headEndRing, refusals, deviceCounters, headEndCounters, headEndWindow, deviceWindow,
    /** The meters' uplink sender (one object stands for every meter). */
    uplink: new EnvelopeSender({
      direction: 'uplink', aead, keys, keyRing: deviceRing, counters: deviceCounters, ...limits, ...options.sender,
    }),
    /** The head-end's ingest. */
    ingest: new EnvelopeReceiver({
      direction: 'uplink', aead, keys, keyRing: headEndRing, window: headEndWindow, ...limits, onRefusal: (r) => refusals.push(r),
    }),
    /** The head-end's command sender. */
    downlink: new EnvelopeSender({ direction: 'downlink', aead, keys, keyRing: headEndRing, counters: headEndCounters, ...limits }),
    /** A meter's command receiver. */
    commands: new EnvelopeReceiver({ direction: 'downlink', aead, keys, keyRing: deviceRing, window: deviceWindow, ...limits }),
  };
}

/** A predicate for assert.rejects: the error has the code. */
export function refusedWith(code: ErrorCode) {
  return (error: unknown): boolean => typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}
