// @phasewire/secure/node: the Node adapters of the secure package's ports.

// ── keystores and the payload envelope
export * from './keystore/pkcs11-keystore.ts';
export * from './keystore/software-keystore.ts';
export type { SecretSource } from './keystore/pin-source.ts';
export type { ScryptParameters } from './keystore/software-keystore-file.ts';
export * from './envelope/node-aead.ts';
export * from './envelope/file-counter-store.ts';

