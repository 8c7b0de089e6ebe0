// How a certificate names a device. A device certificate carries its device id twice:
//   - the subject alternative name URI `urn:phasewire:<kind>:<id>` (RFC 5280 §4.2.1.6), which is
//     what peers and the broker read: one typed, unambiguous name;
//   - the subject common name `<id>` with `OU=<kind>`, for people reading `openssl x509 -text`.
// A certificate is a device certificate only when it has exactly one phasewire URI and its CN, if
// present, says the same id. The id grammar is core's (ids.ts): lower-case letters, digits, '-'.
import { parseGatewayId, parseMeterId, SecurityError, ValidationError } from '@phasewire/core';
import type { GatewayId, MeterId } from '@phasewire/core';

export type DeviceKind = 'meter' | 'gateway';

/** A device named by a certificate. */
export type DeviceIdentity =
  | { readonly kind: 'meter'; readonly id: MeterId }
  | { readonly kind: 'gateway'; readonly id: GatewayId };

/** The URN namespace of phasewire device names (informal; see docs/security-pki.md). */
export const deviceUrnPrefix = 'urn:phasewire:';

const deviceUrnPattern = /^urn:phasewire:(meter|gateway):(.*)$/;

/** Builds a typed identity, checking the id against core's grammar. */
export function deviceIdentity(kind: DeviceKind, id: string): DeviceIdentity {
  return kind === 'meter' ? { kind, id: parseMeterId(id) } : { kind, id: parseGatewayId(id) };
}

/** Parses `meter:<id>` or `gateway:<id>` (the CLI and config form). */
export function parseDeviceIdentity(text: string): DeviceIdentity {
  const match = /^(meter|gateway):(.+)$/.exec(text);
  if (match === null) {
    throw new ValidationError('PW_ERR_INVALID_ID', `Cannot read device ${JSON.stringify(text)}: expected meter:<id> or gateway:<id>`);
  }
  return deviceIdentity(match[1] as DeviceKind, match[2] ?? '');
}

/** `urn:phasewire:meter:<id>`: the URI SAN of a device certificate. */
export function deviceUri(device: DeviceIdentity): string {
  return `${deviceUrnPrefix}${device.kind}:${device.id}`;
}

/** The subject of a device certificate: `CN=<id>, OU=<kind>, O=phasewire`. */
export function deviceSubject(device: DeviceIdentity): string {
  return `CN=${device.id}, OU=${device.kind}, O=phasewire`;
}

/** What is needed of a certificate to name its device; both @peculiar/x509 and Node fill it. */
export interface NamedCertificate {
  /** URIs of the subject alternative name, in order. */
  readonly uris: readonly string[];
  /** The subject's common names (normally one). */
  readonly commonNames: readonly string[];
}

function refuse(found: string): never {
  throw new SecurityError('PW_ERR_NO_DEVICE_ID', `Cannot take a device id from the certificate: ${found}; `
    + `expected exactly one URI SAN ${deviceUrnPrefix}<meter|gateway>:<id> and a CN equal to the id`);
}

/**
 * The device a certificate names, or a SecurityError (PW_ERR_NO_DEVICE_ID) when it names none,
 * several, a malformed id, or a CN that disagrees with the URI.
 */
export function deviceIdentityOf(certificate: NamedCertificate): DeviceIdentity {
  const phasewire = certificate.uris.filter((uri) => uri.startsWith(deviceUrnPrefix));
  if (phasewire.length === 0) refuse('no phasewire URI in the subject alternative name');
  if (phasewire.length > 1) refuse(`${phasewire.length} phasewire URIs (${phasewire.join(', ')})`);
  const match = deviceUrnPattern.exec(phasewire[0] ?? '');
  if (match === null) refuse(`URI ${JSON.stringify(phasewire[0])} names no device kind`);
  let identity: DeviceIdentity;
  try {
    identity = deviceIdentity(match[1] as DeviceKind, match[2] ?? '');
  } catch (error) {
    if (error instanceof ValidationError) refuse(`URI ${JSON.stringify(phasewire[0])} carries a malformed id`);
    throw error;
  }
  if (certificate.commonNames.some((cn) => cn !== identity.id)) {
    const names = certificate.commonNames.map((cn) => JSON.stringify(cn)).join(', ');
    refuse(`CN ${names} differs from the URI's id ${JSON.stringify(identity.id)}`);
  }
  return identity;
}

/** True when two identities name the same device. */
export function sameDevice(a: DeviceIdentity, b: DeviceIdentity): boolean {
  return a.kind === b.kind && a.id === b.id;
}
