// @phasewire/secure: the pure parts. Node adapters are in ./node/index.ts.

// ── keystores and the payload envelope
export type { EcCurve, KeyInfo, KeyKind, Keystore } from './keystore.ts';
export * from './keystore-checks.ts';
export * from './envelope/envelope-format.ts';
export * from './envelope/device-binding.ts';
export * from './envelope/aead.ts';
export * from './envelope/body-codec.ts';
export * from './envelope/envelope-keys.ts';
export * from './envelope/key-ring.ts';
export * from './envelope/envelope-sender.ts';
export * from './envelope/envelope-receiver.ts';
export * from './replay/counter-store.ts';
export * from './replay/replay-window.ts';
export * from './replay/counter-reservation.ts';

// ── PKI, enrollment and the TLS policy
export * from './pki/certificate-authority.ts';
export type { CaState, CaStore, IssuedCertificate, IssuedProfile } from './pki/ca-state.ts';
export { encodeCaState, parseCaState } from './pki/ca-state.ts';
export * from './pki/certificates.ts';
export * from './pki/crl.ts';
export * from './pki/csr.ts';
export * from './pki/device-identity.ts';
export * from './pki/ecdsa-signature.ts';
export * from './pki/profiles.ts';
export * from './pki/revocation-set.ts';
export * from './pki/rotation.ts';
export { curveHash, keystoreSigner, signingCrypto } from './pki/signer.ts';
export type { Signer, SigningCrypto } from './pki/signer.ts';
export * from './enroll/enrollment-token.ts';
export * from './enroll/est-service.ts';
export { decodeCertsOnly, encodeCertsOnly } from './enroll/certs-only.ts';
export * from './tls/tls-policy.ts';
export * from './tls/peer-check.ts';
export * from './tls/connection-budget.ts';

// ── TUF metadata for signed firmware (docs/firmware.md)
export * from './tuf/tuf-metadata-schema.ts';
export * from './tuf/tuf-signing.ts';
