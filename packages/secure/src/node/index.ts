// @phasewire/secure/node: the Node adapters of the secure package's ports.

// ── keystores and the payload envelope
export * from './keystore/pkcs11-keystore.ts';
export * from './keystore/software-keystore.ts';
export type { SecretSource } from './keystore/pin-source.ts';
export type { ScryptParameters } from './keystore/software-keystore-file.ts';
export * from './envelope/node-aead.ts';
export * from './envelope/file-counter-store.ts';
export * from './directory-lock.ts';
export { writeFileAtomic } from './keystore/atomic-file.ts';

// ── PKI, enrollment and the TLS policy
export * from './pki/ca-directory.ts';
export * from './pki/ca-in-force.ts';
export * from './pki/revocation-store.ts';
export * from './pki/memory-keystore.ts';
export * from './tls/tls-options.ts';
export * from './tls/listener-policy.ts';
export * from './tls/policy-server.ts';
export * from './tls/connection-gate.ts';
export { peerCertificateOf } from './tls/peer-certificate.ts';
export * from './tls/software-key.ts';
export * from './enroll/est-server.ts';
export * from './enroll/est-client.ts';
export * from './enroll/token-file-store.ts';
export * from './enroll/key-provisioning.ts';
