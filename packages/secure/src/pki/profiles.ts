// The four certificate profiles of the phasewire hierarchy (docs/security-pki.md has the table):
//
//   root CA ── issuing CA ─┬─ server certificates (head-end listeners: broker, API, enrollment)
//                          └─ device certificates (meters and gateways)
//
// Extensions follow RFC 5280 §4.2: basic constraints and key usage are critical everywhere; the
// CAs may only sign certificates and CRLs, the issuing CA signs no further CA (pathLen 0); leaves
// sign handshakes only (digitalSignature) and carry the one extended key usage of their role, so a
// device certificate cannot serve a listener and a server certificate cannot log in as a device.
import type { DeviceIdentity } from './device-identity.ts';
import { deviceSubject, deviceUri } from './device-identity.ts';
import * as x509 from './x509.ts';

export type Profile = 'root-ca' | 'issuing-ca' | 'server' | 'device';

const day = 86_400_000;

/**
 * Default lifetimes. Meters stay in the field 15 to 20 years, so the root outlives them; the
 * issuing CA is renewed under the same key; leaves are short enough that a lost key ages out.
 */
export const defaultLifetime: Readonly<Record<Profile, number>> = {
  'root-ca': 20 * 365 * day,
  'issuing-ca': 5 * 365 * day,
  server: 365 * day,
  device: 2 * 365 * day,
};

/** A certificate is due for renewal when less than this share of its lifetime remains. */
export const renewalShare = 1 / 3;

/** Subject alternative names of a server certificate. */
export interface ServerNames {
  readonly dns: readonly string[];
  readonly ips: readonly string[];
}

/** What a certificate is for, with the names that go into it. */
export type Subject =
  | { readonly profile: 'root-ca'; readonly name: string }
  | { readonly profile: 'issuing-ca'; readonly name: string }
  | { readonly profile: 'server'; readonly name: string; readonly names: ServerNames }
  | { readonly profile: 'device'; readonly device: DeviceIdentity };

/** The subject distinguished name of a certificate. */
export function subjectName(subject: Subject): string {
  return subject.profile === 'device' ? deviceSubject(subject.device) : subject.name;
}

/** RFC 5280 §4.2.1.6: a DNS name is a preferred name syntax host name (RFC 1034 §3.5). */
const dnsNamePattern = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const ipv4Pattern = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const ipv6Pattern = /^[0-9a-f:]+$/i;

/** True when `name` may go into a server certificate as a DNS SAN. */
export const isDnsName = (name: string): boolean => dnsNamePattern.test(name);
/** True when `address` may go into a server certificate as an IP SAN. */
export const isIpAddress = (address: string): boolean => ipv4Pattern.test(address) || (address.includes(':') && ipv6Pattern.test(address));

function sanOf(subject: Subject): x509.SubjectAlternativeNameExtension | undefined {
  if (subject.profile === 'device') return new x509.SubjectAlternativeNameExtension([{ type: 'url', value: deviceUri(subject.device) }]);
  if (subject.profile === 'server') {
    return new x509.SubjectAlternativeNameExtension([
      ...subject.names.dns.map((value) => ({ type: 'dns' as const, value })),
      ...subject.names.ips.map((value) => ({ type: 'ip' as const, value })),
    ]);
  }
  return undefined;
}

const { digitalSignature, keyCertSign, cRLSign } = x509.KeyUsageFlags;

/**
 * The extensions of a certificate: constraints, key usages, names, and the key identifiers that
 * let a verifier find the issuer (RFC 5280 §4.2.1.1, §4.2.1.2). `issuerKeyId` is the issuer's
 * subject key identifier (hex); a root has none and identifies itself.
 */
export async function profileExtensions(
  subject: Subject,
  subjectPublicKey: Uint8Array,
  issuerKeyId: string | undefined,
): Promise<x509.Extension[]> {
  const ski = await x509.SubjectKeyIdentifierExtension.create(subjectPublicKey);
  const extensions: x509.Extension[] = [ski, new x509.AuthorityKeyIdentifierExtension(issuerKeyId ?? ski.keyId)];
  switch (subject.profile) {
    case 'root-ca':
      extensions.push(new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(keyCertSign | cRLSign, true));
      break;
    case 'issuing-ca':
      extensions.push(new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(keyCertSign | cRLSign, true));
      break;
    case 'server':
      extensions.push(
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      );
      break;
    case 'device':
      extensions.push(
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      );
      break;
  }
  const san = sanOf(subject);
  if (san !== undefined) extensions.push(san);
  return extensions;
}

/** The subject key identifier of a certificate (hex), for the AKI of what it signs. */
export function keyIdOf(certificate: x509.X509Certificate): string | undefined {
  const ski = certificate.getExtension(x509.SubjectKeyIdentifierExtension);
  return ski?.keyId;
}
