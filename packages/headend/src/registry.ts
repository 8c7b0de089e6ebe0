// The device registry: every meter and gateway the head-end knows, the certificate bound to it,
// its state and the gateway it sits behind. The port is here; the SQLite implementation is
// src/node/sqlite-registry.ts. The state rules are pure so both sides of a change (CLI,
// broker) apply the same ones.
import { ValidationError } from '@phasewire/core';
import type { GatewayId, MeterId } from '@phasewire/core';

export type DeviceState = 'enrolled' | 'active' | 'revoked';
export type RegistryLinkProfile = 'wifi' | 'cellular' | 'rs485';
export type RegistryDeviceKind = 'meter' | 'gateway';

export interface DeviceRecord {
  readonly id: MeterId | GatewayId;
  readonly kind: RegistryDeviceKind;
  readonly model: string | null;
  readonly linkProfile: RegistryLinkProfile | null;
  /** SHA-256 of the bound certificate (hex), null until the first certificate is bound. */
  readonly fingerprint: string | null;
  /** Serial of the bound certificate (normalised hex). */
  readonly serial: string | null;
  readonly state: DeviceState;
  /** Last time the device connected or published (ms since the epoch). */
  readonly lastSeen: number | null;
  /** For a meter behind a gateway (RS-485): the gateway that uplinks for it. */
  readonly gateway: GatewayId | null;
}

export interface CertificateBinding {
  readonly fingerprint: string;
  readonly serial: string;
}

export interface DeviceRegistry {
  get(id: string): DeviceRecord | undefined;
  list(): readonly DeviceRecord[];
  /** Adds a device in state `enrolled` (or returns it unchanged when present). */
  enrol(entry: { id: MeterId | GatewayId; kind: RegistryDeviceKind; model?: string; linkProfile?: RegistryLinkProfile }): DeviceRecord;
  /** Sets the model and link a device reports of itself (unchanged fields are not written); undefined for an unknown device. */
  describe(id: string, entry: { model?: string; linkProfile?: RegistryLinkProfile }): DeviceRecord | undefined;
  /** Binds a certificate and makes the device active; refused for a revoked device. */
  bind(id: string, certificate: CertificateBinding, at: number): DeviceRecord;
  revoke(id: string, at: number): DeviceRecord;
  /** Puts `meter` behind `gateway` (null: directly connected). */
  attach(meter: MeterId, gateway: GatewayId | null): DeviceRecord;
  /** Meters registered behind a gateway. */
  behind(gateway: string): ReadonlySet<MeterId>;
  /** Records activity; cheap, called per connection. */
  touch(id: string, at: number): void;
  close(): void;
}

const transitions: Readonly<Record<DeviceState, readonly DeviceState[]>> = {
  enrolled: ['active', 'revoked'],
  active: ['active', 'revoked'],
  revoked: ['revoked'],
};

/** Throws PW_ERR_HEADEND_REGISTRY when `from → to` is not allowed (a revoked device stays revoked). */
export function checkTransition(id: string, from: DeviceState, to: DeviceState): void {
  if (!transitions[from].includes(to)) {
    throw new ValidationError('PW_ERR_HEADEND_REGISTRY',
      `Cannot make device ${id} ${to}: it is ${from}, and a ${from} device may only become ${transitions[from].join(' or ')}`);
  }
}

export function unknownDevice(id: string): ValidationError {
  return new ValidationError('PW_ERR_HEADEND_REGISTRY', `Cannot change device ${id}: it is not in the registry; enrol it first`);
}
