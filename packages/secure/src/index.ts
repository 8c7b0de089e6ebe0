// @phasewire/secure: the pure parts. Node adapters are in ./node/index.ts.

// ── keystores and the payload envelope
export type { EcCurve, KeyInfo, KeyKind, Keystore } from './keystore.ts';
export * from './keystore-checks.ts';
export * from './keystore-conformance.ts';
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

