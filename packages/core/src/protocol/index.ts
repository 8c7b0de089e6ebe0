// @phasewire/core/protocol: every body and topic the meter agent and the head-end exchange, with
// one codec, one set of limits and error codes, and the test vectors both ends run (docs/protocol.md).
// Topics and the reading batch are also exported from @phasewire/core (many importers use them).
export * from './limits.ts';
export * from './topics.ts';
export * from './reading-batch.ts';
export * from './command.ts';
export * from './ack.ts';
export * from './status.ts';
export * from './event.ts';
export * from './vectors.ts';
export * from './protection-settings.ts';
export * from './firmware.ts';
