// @phasewire/api/testing: test support for the API's tests (tests and benchmarks only).
export { day0, password, startApiRig, testScrypt, type Answer, type ApiRig, type CallOptions } from './api-test-kit.ts';
export { greenButtonSchema, readGreenButton, validateGreenButton, type ReadBackFeed, type ReadBackInterval, type SchemaVerdict }
  from './greenbutton-check.ts';
