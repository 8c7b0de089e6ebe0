// The device's two firmware slots (A/B) and its anti-rollback counter, as a pure state machine.
// An image is staged into the inactive slot, the device boots it on trial, and a health check
// either commits it (it becomes the active slot and its security version the floor) or rolls back
// to the slot that ran before. The running image never changes until a verified image has passed
// its health check (SECURITY.md, firmware: "in every case the running image keeps running").
// The state is a small file (schema below) written after every step, so a restart mid-trial boots
// into the trial again and a crash in trial rolls back on the next start.
import { Type, type Static } from 'typebox';
import { ValidationError } from '@phasewire/core';
import { FirmwareCustomSchema, firmwareNamePattern } from '@phasewire/secure';
import type { FirmwareCustom } from '@phasewire/secure';

export type SlotName = 'a' | 'b';

const SlotImageSchema = Type.Object({
  version: FirmwareCustomSchema.properties.version,
  securityVersion: FirmwareCustomSchema.properties.securityVersion,
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$', expected: 'a hex SHA-256 digest' }),
}, { additionalProperties: false });
export type SlotImage = Static<typeof SlotImageSchema>;

const Slot = (description: string) => Type.Union([Type.Literal('a'), Type.Literal('b')], { expected: 'a or b', description });

/** The firmware state file of a device (`firmware-slots.json` in its data directory). */
export const FirmwareSlotsSchema = Type.Object({
  model: Type.String({ pattern: firmwareNamePattern, description: 'The meter model this device is.' }),
  hardwareRevision: Type.String({ pattern: firmwareNamePattern, description: 'Its hardware revision.' }),
  active: Slot('The slot the device boots when no trial is pending.'),
  slots: Type.Object({ a: Type.Optional(SlotImageSchema), b: Type.Optional(SlotImageSchema) }, { additionalProperties: false }),
  securityVersion: Type.Integer({ minimum: 0, description: 'The anti-rollback floor: never lowered.' }),
  staged: Type.Optional(Slot('A verified image waits in this slot for the next boot.')),
  trial: Type.Optional(Slot('The device runs this slot on trial until its health check.')),
  last: Type.Optional(Type.Object({
    outcome: Type.Union([Type.Literal('committed'), Type.Literal('rolled-back'), Type.Literal('refused')]),
    version: Type.String(),
    reason: Type.Optional(Type.String()),
  }, { additionalProperties: false, description: 'What the last update attempt ended in.' })),
}, { additionalProperties: false });
export type FirmwareSlots = Static<typeof FirmwareSlotsSchema>;

export const otherSlot = (slot: SlotName): SlotName => (slot === 'a' ? 'b' : 'a');

/** A fresh device: its factory image in slot A. */
export function factorySlots(model: string, hardwareRevision: string, image: SlotImage): FirmwareSlots {
  return { model, hardwareRevision, active: 'a', slots: { a: image }, securityVersion: image.securityVersion };
}

/** The slot the device runs now (the trial slot while on trial). */
export function runningSlot(state: FirmwareSlots): SlotName {
  return state.trial ?? state.active;
}

export function runningImage(state: FirmwareSlots): SlotImage | undefined {
  return state.slots[runningSlot(state)];
}

export type OfferRefusal = 'other-model' | 'rollback' | 'same-version' | 'busy';

/**
 * Whether the device takes a signed image described by its TUF `custom` (after the TUF checks):
 * only for its own model and hardware revision, with a security version at least its floor
 * (anti-rollback even against a validly signed older image), not the version it runs, and not
 * while another image is staged or on trial.
 */
export function checkOffer(state: FirmwareSlots, custom: FirmwareCustom): { readonly accept: true } | {
  readonly accept: false; readonly refusal: OfferRefusal; readonly reason: string;
} {
  if (custom.model !== state.model || custom.hardwareRevision !== state.hardwareRevision) {
    return { accept: false, refusal: 'other-model', reason: `the image is for ${custom.model} ${custom.hardwareRevision}, `
      + `this device is ${state.model} ${state.hardwareRevision}` };
  }
  if (custom.securityVersion < state.securityVersion) {
    return { accept: false, refusal: 'rollback', reason: `security version ${custom.securityVersion} is below the device's `
      + `${state.securityVersion}` };
  }
  if (runningImage(state)?.version === custom.version) {
    return { accept: false, refusal: 'same-version', reason: `version ${custom.version} is running already` };
  }
  if (state.staged !== undefined || state.trial !== undefined) {
    return { accept: false, refusal: 'busy', reason: 'another image is staged or on trial' };
  }
  return { accept: true };
}

/** Records a verified image written into the inactive slot; it boots on the next start. */
export function stage(state: FirmwareSlots, image: SlotImage): FirmwareSlots {
  if (state.staged !== undefined || state.trial !== undefined) {
    throw new ValidationError('PW_ERR_FIRMWARE_INVALID', 'Cannot stage a firmware image: another image is staged or on trial; '
      + 'expected the device to commit or roll back first');
  }
  const slot = otherSlot(state.active);
  return { ...state, slots: { ...state.slots, [slot]: image }, staged: slot };
}

/**
 * The boot decision: a staged image starts its trial; a device that starts while already on trial
 * crashed or was cut off during it, and rolls back.
 */
export function boot(state: FirmwareSlots): FirmwareSlots {
  if (state.trial !== undefined) return rollBack(state, 'the device restarted during the trial');
  if (state.staged === undefined) return state;
  const { staged, ...rest } = state;
  return { ...rest, trial: staged };
}

/** The health check passed: the trial slot becomes active and its security version the floor. */
export function commit(state: FirmwareSlots): FirmwareSlots {
  const image = state.trial === undefined ? undefined : state.slots[state.trial];
  if (state.trial === undefined || image === undefined) return state;
  const { trial, ...rest } = state;
  return {
    ...rest, active: trial, securityVersion: Math.max(state.securityVersion, image.securityVersion),
    last: { outcome: 'committed', version: image.version },
  };
}

/** The health check failed (or the trial was cut): back to the slot that ran before, the trial image dropped. */
export function rollBack(state: FirmwareSlots, reason: string): FirmwareSlots {
  const slot = state.trial ?? state.staged;
  if (slot === undefined) return state;
  const version = state.slots[slot]?.version ?? 'unknown';
  const { trial: _trial, staged: _staged, ...rest } = state;
  const kept = state.slots[otherSlot(slot)];
  const slots = kept === undefined ? {} : { [otherSlot(slot)]: kept };
  return { ...rest, slots, last: { outcome: 'rolled-back', version, reason } };
}

/** Notes an offer the device refused (TUF or device checks); the slots are unchanged. */
export function refused(state: FirmwareSlots, version: string, reason: string): FirmwareSlots {
  return { ...state, last: { outcome: 'refused', version, reason } };
}
