import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '@phasewire/core';
import { parseServerConfig } from './server-config.ts';
import { defaultMaxPacketBytes } from '@phasewire/headend';
import { fitConnectionLimit } from './mqtt-listener-config.ts';

test('the MQTT listener limits have defaults and are read from the mqtt section', () => {
  assert.deepEqual(parseServerConfig({}).mqtt, {
    port: 8883, handshakeTimeoutMs: 30_000, maxConnections: 10_000, maxConnectionsPerAddress: 100, maxPacketBytes: defaultMaxPacketBytes,
    descriptorReserve: 1024,
  });
  assert.equal(defaultMaxPacketBytes, 131_072);
  const mqtt = {
    port: 0, handshakeTimeoutMs: 5000, maxConnections: 50, maxConnectionsPerAddress: 5, maxPacketBytes: 4096, descriptorReserve: 256,
  };
  assert.deepEqual(parseServerConfig({ mqtt }).mqtt, mqtt);
});

test('a limit that is not a whole number in range, or an unknown key, is refused with the field named', () => {
  for (const [mqtt, field] of [
    [{ maxConnections: 0 }, 'mqtt.maxConnections'], [{ maxConnectionsPerAddress: 1.5 }, 'mqtt.maxConnectionsPerAddress'],
    [{ maxPacketBytes: 268_435_456 }, 'mqtt.maxPacketBytes'], [{ handshakeTimeoutMs: '30s' }, 'mqtt.handshakeTimeoutMs'],
    [{ maxPackets: 1 }, 'mqtt.maxPackets'],
  ] as const) {
    assert.throws(() => parseServerConfig({ mqtt }),
      (error: unknown) => hasCode(error, 'PW_ERR_SERVER_CONFIG') && (error as Error).message.includes(field));
  }
});

test('the total is lowered to leave the descriptor reserve of the open-file limit to the other listeners', () => {
  const { mqtt } = parseServerConfig({});
  assert.equal(fitConnectionLimit(mqtt, 20_000), 10_000);
  assert.equal(fitConnectionLimit(mqtt, 4096), 3072);
  assert.equal(fitConnectionLimit(mqtt, undefined), 10_000);
  // A small limit keeps a quarter: 1024 (a common soft limit) leaves 768 to MQTT, not 0.
  assert.equal(fitConnectionLimit(mqtt, 1024), 768);
  assert.equal(fitConnectionLimit(mqtt, 400), 300);
  assert.equal(fitConnectionLimit({ ...mqtt, descriptorReserve: 64 }, 400), 336);
});
