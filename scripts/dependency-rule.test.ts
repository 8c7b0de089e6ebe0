import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkFile } from './dependency-rule.ts';

const messages = (file: string, text: string): string[] => checkFile(file, text).map((v) => v.message);

describe('dependency rule', () => {
  it('lets a package import the layers below it', () => {
    const imports = "import { x } from '@phasewire/core';\nimport { y } from '@phasewire/secure';";
    assert.deepEqual(messages('packages/meter/src/agent.ts', imports), []);
    assert.deepEqual(messages('packages/cli/src/main.ts', "import { z } from '@phasewire/server';\nimport fs from 'node:fs';"), []);
  });

  it('refuses an import that points outward', () => {
    const found = checkFile('packages/core/src/reading.ts', "\n\nimport { Agent } from '@phasewire/meter';");
    const [only] = found;
    assert.ok(only !== undefined && found.length === 1);
    assert.equal(only.line, 3);
    assert.match(only.message, /'core' may not import '@phasewire\/meter': it may import no other package/);
    assert.match(messages('packages/modbus/src/pdu.ts', "export * from '@phasewire/secure';")[0] ?? '', /may import 'core'/);
  });

  it('orders meter ← agent ← gateway: the agent imports the meter, the gateway the agent, never back', () => {
    assert.deepEqual(messages('packages/agent/src/node/fleet.ts', "import { createPhasorFleet } from '@phasewire/meter';"), []);
    assert.deepEqual(messages('packages/gateway/src/node/run.ts', "import { AgentFleet } from '@phasewire/agent/node';"), []);
    assert.match(messages('packages/meter/src/simulated-meter.ts', "import { LoadRelay } from '@phasewire/agent';")[0] ?? '',
      /'meter' may not import '@phasewire\/agent'/);
    assert.match(messages('packages/agent/src/inflight.ts', "import type { GatewayPoller } from '@phasewire/gateway';")[0] ?? '',
      /'agent' may not import '@phasewire\/gateway'/);
  });

  it('refuses a sibling import between meter, gateway and server', () => {
    assert.equal(messages('packages/gateway/src/poll.ts', "import type { X } from '@phasewire/server';").length, 1);
  });

  it('orders store ← headend, mdm ← api ← server ← cli', () => {
    assert.deepEqual(messages('packages/headend/src/node/ingest.ts', "import { S } from '@phasewire/store/node';"), []);
    assert.deepEqual(messages('packages/mdm/src/service/x.ts', "import type { MeterStore } from '@phasewire/store';"), []);
    const both = "import { h } from '@phasewire/headend';\nimport { m } from '@phasewire/mdm';";
    assert.deepEqual(messages('packages/api/src/ports.ts', both), []);
    assert.deepEqual(messages('packages/server/src/node/wiring.ts', "import { startApiServer } from '@phasewire/api/node';"), []);
    assert.deepEqual(messages('packages/cli/src/main.ts', "import { startMdmService } from '@phasewire/mdm/node';"), []);
  });

  it('refuses a planted violation of the server packages\' order', () => {
    assert.match(messages('packages/headend/src/alarm-channel.ts', "import { isTopicPrefix } from '@phasewire/mdm';")[0] ?? '',
      /'headend' may not import '@phasewire\/mdm': it may import 'core', 'secure', 'store'/);
    assert.match(messages('packages/mdm/src/node/x.test.ts', "import { freePort } from '@phasewire/headend/node';")[0] ?? '',
      /'mdm' may not import '@phasewire\/headend\/node'/);
    assert.match(messages('packages/store/src/meter-store.ts', "import type { MeterDto } from '@phasewire/api';")[0] ?? '',
      /'store' may not import '@phasewire\/api'/);
    assert.equal(messages('packages/api/src/dto.ts', "import { parseServerConfig } from '@phasewire/server';").length, 1);
    assert.equal(messages('packages/server/src/server-config.ts', "import { run } from '@phasewire/cli';").length, 1);
  });

  it('keeps pure code free of Node built-ins, environment, wall-clock time and Math.random', () => {
    const text = [
      "import { readFileSync } from 'node:fs';",
      "import crypto from 'crypto';",
      'const a = Date.now();',
      'const b = new Date();',
      'const c = Math.random();',
      'const d = process.env.HOME;',
      "const e = await import('node:net');",
    ].join('\n');
    assert.equal(checkFile('packages/core/src/x.ts', text).length, 7);
  });

  it('allows I/O in src/node/, in tests, in test support and in benchmarks', () => {
    const text = "import { readFileSync } from 'node:fs';\nconst t = Date.now();";
    assert.deepEqual(messages('packages/modbus/src/node/serial.ts', text), []);
    assert.deepEqual(messages('packages/core/src/math/rms.test.ts', text), []);
    assert.deepEqual(messages('packages/meter/bench/phasor.bench.ts', text), []);
    assert.deepEqual(messages('packages/agent/src/testing/head-end.ts', text), []);
  });

  it('lets tests and test support import the test kit, and no shipped code', () => {
    const text = "import { startPeer } from '@phasewire/test-kit';";
    assert.deepEqual(messages('packages/modbus/test/peers.ts', text), []);
    assert.deepEqual(messages('packages/store/src/node/x.test.ts', text), []);
    const harness = `${text}\nimport { spawn } from 'node:child_process';`;
    assert.deepEqual(messages('packages/store/src/testing/postgres-test-kit.ts', harness), []);
    assert.match(messages('packages/modbus/src/node/serial.ts', text)[0] ?? '', /'modbus' may not import '@phasewire\/test-kit'/);
  });

  it('lets only tests, test support and benchmarks import a package\'s test support (src/testing/)', () => {
    const text = "import { startTestHeadEnd } from '@phasewire/agent/testing';";
    assert.deepEqual(messages('packages/gateway/src/node/run.test.ts', text), []);
    assert.deepEqual(messages('packages/cli/test/gateway-run.test.ts', text), []);
    assert.deepEqual(messages('packages/agent/bench/agent.bench.ts', "import { x } from '../src/testing/agent-test-kit.ts';"), []);
    assert.deepEqual(messages('packages/agent/src/node/fleet.test.ts', "import { x } from '../testing/agent-test-kit.ts';"), []);
    assert.deepEqual(messages('packages/secure/src/testing/a.ts', "import { b } from './b.ts';"), []);
    assert.match(messages('packages/gateway/src/node/run.ts', text)[0] ?? '',
      /shipped code may not import the test support '@phasewire\/agent\/testing'/);
    const found = messages('packages/store/src/index.ts', "export * from '@phasewire/store/testing';");
    assert.match(found[0] ?? '', /may not import the test support/);
    assert.match(messages('packages/agent/src/node/fleet.ts', "import { x } from '../testing/agent-test-kit.ts';")[0] ?? '',
      /shipped code may not import the test support '..\/testing\/agent-test-kit.ts'/);
    assert.equal(messages('packages/secure/src/index.ts', "export * from './testing/keystore-conformance.ts';").length, 1);
  });

  it('allows new Date(value), which is a conversion and not a clock read', () => {
    assert.deepEqual(messages('packages/core/src/x.ts', 'const d = new Date(0);'), []);
  });

  it('refuses a relative import that reaches into another package', () => {
    assert.match(messages('packages/meter/src/a.ts', "import { b } from '../../core/src/b.ts';")[0] ?? '', /leaves package 'meter'/);
    assert.deepEqual(messages('packages/meter/src/sub/a.ts', "import { b } from '../b.ts';"), []);
  });

  it('lets the dashboard import API types and nothing else', () => {
    assert.deepEqual(messages('packages/dashboard/src/app.ts', "import type { Meter } from '@phasewire/api';"), []);
    assert.equal(messages('packages/dashboard/src/app.ts', "import { start } from '@phasewire/api';").length, 1);
    assert.equal(messages('packages/dashboard/src/app.ts', "import type { ServerConfig } from '@phasewire/server';").length, 1);
  });

  it('keeps the tools under every package: they import none', () => {
    assert.deepEqual(messages('tools/test-kit/src/peer.ts', "import { spawn } from 'node:child_process';\nconst t = Date.now();"), []);
    assert.match(messages('tools/bench/src/main.ts', "import { startPhasewireServer } from '@phasewire/server/node';")[0] ?? '',
      /'bench' may not import '@phasewire\/server\/node': it may import no other package/);
    assert.equal(messages('tools/test-kit/src/ports.ts', "import { parseMeterId } from '@phasewire/core';").length, 1);
    assert.match(messages('tools/test-kit/src/a.ts', "import { b } from '../../bench/src/b.ts';")[0] ?? '', /leaves tool 'test-kit'/);
  });

  it('lets shipped code take the benchmark harness only in its benchmarks', () => {
    const text = "import type { Benchmark } from '@phasewire/bench';";
    assert.deepEqual(messages('packages/headend/bench/headend-t1.bench.ts', text), []);
    assert.equal(messages('packages/headend/src/node/ingest.ts', text).length, 1);
  });

  it('lets the scripts import any package, through its name', () => {
    const text = "import { catalogue } from '@phasewire/core';\nimport { startPhasewireServer } from '@phasewire/server/node';";
    assert.deepEqual(messages('scripts/gen-docs.ts', `${text}\nimport { readFileSync } from 'node:fs';`), []);
    assert.match(messages('scripts/gen-docs.ts', "import { x } from '../packages/core/src/x.ts';")[0] ?? '', /leaves scripts\//);
  });
});
