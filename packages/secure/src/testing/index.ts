// @phasewire/secure/testing: test support for the security package's tests (tests and benchmarks only):
// the keystore conformance suite and its Node harness, SoftHSM tokens, envelope pairs, TLS test servers.
export { keystoreConformance, type ConformanceAssert, type ConformanceHarness } from './keystore-conformance.ts';
export { nodeConformanceHarness } from './keystore-conformance-kit.ts';
export { pinVariable, softHsmModule, startSoftHsm, type SoftHsmFixture } from './softhsm-test-kit.ts';
export { envelopeFixture, meterA, meterB, refusedWith, type EnvelopeFixtureOptions } from './envelope-test-kit.ts';
export { attempt, startRecordingServer, type AttemptResult, type RecordingServer } from './tls-test-kit.ts';
export {
  createTestCa, testCaAge, type DeviceOptions, type TestCa, type TestCaOptions, type TestCertificateState, type TestIdentity,
} from './test-ca.ts';
export { MemoryCaStore } from './memory-ca-store.ts';
export { MemoryTokenStore } from './memory-token-store.ts';
export { tokenStoreConformance, type TokenStoreTarget } from './token-store-conformance.ts';
