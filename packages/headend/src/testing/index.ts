// @phasewire/headend/testing: test support for the head-end's tests (tests and benchmarks only).
// The fixture program headend-until-killed.fixture.ts is spawned by path, not exported.
export {
  connectDevice, currentL1, headEndFixture, snapshot, voltageL1, type BrokerKind, type HeadEndFixture, type TestDevice,
} from './headend-test-kit.ts';
export { counterTableConformance, type CounterTableTarget } from './counter-table-conformance.ts';
