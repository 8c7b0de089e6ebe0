// @phasewire/modbus/testing: test support (tests and benchmarks only): a pseudo-terminal pair for
// serial tests, random Modbus requests and exchanges, and the frame fuzzer.
export { openPtyPair, type PtyPair } from './pty-pair.ts';
export { arbitraryExchange, arbitraryRequest } from './arbitraries.ts';
export { fuzz, type FuzzResult } from './fuzz-driver.ts';
