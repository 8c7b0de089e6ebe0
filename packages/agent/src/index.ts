// @phasewire/agent: the device side of the uplink (pure parts). Its command handling (the wire
// bodies are @phasewire/core/protocol's), what is in flight, the uplink state machine and the link profiles;
// the running agent, its durable queue and the link emulator are in @phasewire/agent/node.
export { CommandHandler, type CommandTarget, type CommandHandlerOptions, type HandledCommand } from './command-handler.ts';
export { InflightTracker, envelopeCounterOf, type QueuedMessage } from './inflight.ts';
export { Backoff, type BackoffPolicy } from './backoff.ts';
export { linkProfiles, type LinkProfile, type LinkProfileName, type LinkConditions } from './link-profile.ts';
export { UplinkPolicy, type UplinkWork } from './uplink-policy.ts';
export * from './firmware/firmware-slots.ts';
export * from './firmware/firmware-bundle.ts';
