// @phasewire/agent/testing: test support for the packages that run agents (tests and benchmarks only).
export { startTestHeadEnd, type TestHeadEnd } from './agent-test-kit.ts';
export { queueMessages, type QueuedMessage } from './queued-message.ts';
