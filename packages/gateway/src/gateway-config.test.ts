// gateway.json validation: a good file becomes typed values with defaults; every bad field is
// refused with PW_ERR_GATEWAY_FILE and a message that names it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '@phasewire/core';
import { parseBusEndpoint, parseGatewayConfig } from './gateway-config.ts';

const good = {
  transport: { port: '/dev/ttyUSB0', baud: 19_200, parity: 'none', stopBits: 2, timeout: '300ms' },
  headEnd: { server: 'mqtts://head-end.example:8883', enroll: 'https://head-end.example:8443', ca: 'ca.pem', tokens: 'tokens.json' },
  meters: [
    { meter: 'plant-a-1', unit: 1, profile: 'sdm630', period: '10s' },
    { meter: 'plant-a-2', unit: 2, period: 15_000, timeout: '1s' },
  ],
};

const refused = (data: unknown, field: string): void => {
  assert.throws(() => parseGatewayConfig(data, 'gw.json'), (error: unknown) => {
    assert.ok(hasCode(error, 'PW_ERR_GATEWAY_FILE'), String(error));
    assert.match((error as Error).message, new RegExp(`gw\\.json.*${field.replace(/[[\].]/g, '\\$&')}`));
    return true;
  });
};

describe('gateway configuration', () => {
  it('reads a serial gateway with defaults for what is left out', () => {
    const config = parseGatewayConfig(good, 'gw.json');
    assert.deepEqual(config.transport, { kind: 'bus', timeoutMs: 300, endpoint: { kind: 'serial', path: '/dev/ttyUSB0', framing: { baudRate:
      19_200, dataBits: 8, parity: 'none', stopBits: 2 } } });
    assert.deepEqual(config.meters.map((m) => [m.meter, m.unit, m.profile, m.periodMs, m.timeoutMs]), [['plant-a-1', 1, 'sdm630', 10_000,
      undefined], ['plant-a-2', 2, 'auto', 15_000, 1000]]);
    assert.equal(config.link, 'wifi');
    assert.equal(config.dataDir, 'phasewire-gateway');
    assert.equal(config.statsEveryMs, 60_000);
  });

  it('reads a simulated bus with a noisy and a dead meter', () => {
    const config = parseGatewayConfig({
      ...good, transport: { simulated: { speed: 10 } },
      meters: [{ meter: 'm-1', unit: 1, profile: 'em24', simulate: { bitErrorRate: 1e-4, deadBetween: ['1m', '3m'] } }],
    }, 'gw.json');
    assert.deepEqual(config.transport, { kind: 'simulated', bus: { framing: { baudRate: 9600, dataBits: 8, parity: 'even', stopBits: 1 },
      bitErrorRate: 0, speed: 10 } });
    assert.deepEqual(config.meters[0]?.simulate, { scenario: 'balanced-resistive', seed: 1, bitErrorRate: 1e-4, deadBetween: [60_000,
      180_000] });
  });

  it('names the field of every error', () => {
    refused([], '\\(root\\)');
    refused({ ...good, transport: undefined }, 'transport');
    refused({ ...good, transport: { port: 'udp://x:1' } }, 'transport.port');
    refused({ ...good, transport: { port: 'tcp://x:99999' } }, 'transport.port');
    refused({ ...good, transport: { port: '/dev/ttyS0', parity: 'mark' } }, 'transport.parity');
    refused({ ...good, transport: { port: '/dev/ttyS0', baud: 'fast' } }, 'transport.baud');
    refused({ ...good, meters: [] }, 'meters');
    refused({ ...good, meters: [{ meter: 'Plant A', unit: 1 }] }, 'meters[0].meter');
    refused({ ...good, meters: [{ meter: 'm-a', unit: 0 }] }, 'meters[0].unit');
    refused({ ...good, meters: [{ meter: 'm-a', unit: 248 }] }, 'meters[0].unit');
    refused({ ...good, meters: [{ meter: 'm-a', unit: 1 }, { meter: 'm-b', unit: 1 }] }, 'meters[1].unit');
    refused({ ...good, meters: [{ meter: 'm-a', unit: 1 }, { meter: 'm-a', unit: 2 }] }, 'meters[1].meter');
    refused({ ...good, meters: [{ meter: 'm-a', unit: 1, period: '10 parsecs' }] }, 'meters[0].period');
    refused({ ...good, meters: [{ meter: 'm-a', unit: 1, period: -5 }] }, 'meters[0].period');
    refused({ ...good, meters: [{ meter: 'm-a', unit: 1, simulate: {} }] }, 'meters[0].simulate');
    refused({ ...good, transport: { simulated: {} }, meters: [{ meter: 'm-a', unit: 1, simulate: { deadBetween: ['3m', '1m'] } }] },
      'meters[0].simulate.deadBetween');
    refused({ ...good, transport: { simulated: { bitErrorRate: 2 } } }, 'transport.simulated.bitErrorRate');
    refused({ ...good, headEnd: { server: 'mqtt://plain:1883' } }, 'headEnd.server');
    refused({ ...good, headEnd: { server: 'mqtts://h:1', enroll: 'http://h:80' } }, 'headEnd.enroll');
    refused({ ...good, headEnd: { server: 'mqtts://h:1', tokens: { a: 1 } } }, 'headEnd.tokens');
    refused({ ...good, link: 'lora' }, 'link');
    refused({ ...good, statsEvery: 0 }, 'statsEvery');
  });

  it('refuses what a schema alone would let through, and unknown fields, saying what was found and expected', () => {
    const message = (data: unknown): string => {
      try {
        parseGatewayConfig(data, 'gw.json');
      } catch (error) {
        assert.ok(hasCode(error, 'PW_ERR_GATEWAY_FILE'), String(error));
        return (error as Error).message;
      }
      return assert.fail('accepted');
    };
    const meter = { meter: 'm-a', unit: 1 };
    assert.equal(message({ ...good, meters: [{ ...meter, perod: '10s' }] }), 'Cannot use gateway configuration gw.json: '
      + 'field meters[0].perod is "10s", expected no such field (allowed: meter, unit, profile, period, timeout, simulate, protection)');
    assert.equal(message({ ...good, meters: [{ ...meter, period: '0s' }] }), 'Cannot use gateway configuration gw.json: '
      + 'field meters[0].period is "0s", expected a positive duration (milliseconds, or text such as 500ms, 10s, 1m)');
    assert.match(message({ ...good, transport: { simulated: {}, port: '/dev/ttyS0' } }),
      /field transport\.port is "\/dev\/ttyS0", expected nothing beside transport\.simulated/);
    assert.match(message({ ...good, transport: { baud: 9600 } }),
      /field transport\.port is missing, expected a serial device path, .* \(or transport\.simulated\)/);
    assert.match(message({ ...good, transport: { port: '/dev/ttyS0', stopBits: 3 } }),
      /field transport\.stopBits is 3, expected one of 1, 2/);
    assert.match(message({ ...good, headEnd: { ...good.headEnd, tokens: { 'm-a': 7 } } }),
      /field headEnd\.tokens is \{"m-a":7\}, expected a JSON file name, or an object/);
  });

  it('takes maxInFlight for a Modbus/TCP endpoint only, 1 to 16, and leaves it out by default', () => {
    const tcp = (extra: Record<string, unknown>) => ({ ...good, transport: { port: 'tcp://192.0.2.10:502', ...extra } });
    const endpointOf = (data: unknown) => {
      const config = parseGatewayConfig(data, 'gw.json');
      return config.transport.kind === 'bus' ? config.transport.endpoint : undefined;
    };
    assert.deepEqual(endpointOf(tcp({})), { kind: 'tcp', host: '192.0.2.10', port: 502 });
    assert.deepEqual(endpointOf(tcp({ maxInFlight: 4 })), { kind: 'tcp', host: '192.0.2.10', port: 502, maxInFlight: 4 });
    for (const bad of [0, 17, 2.5, '4']) refused(tcp({ maxInFlight: bad }), 'transport.maxInFlight');
    refused({ ...good, transport: { ...good.transport, maxInFlight: 2 } }, 'transport.maxInFlight');
    refused({ ...good, transport: { port: 'rtu+tcp://192.0.2.10:4001', maxInFlight: 2 } }, 'transport.maxInFlight');
    assert.throws(() => parseGatewayConfig({ ...good, transport: { port: '/dev/ttyUSB0', maxInFlight: 2 } }, 'gw.json'),
      /field transport\.maxInFlight is 2, expected no maxInFlight unless transport\.port is tcp:\/\/host:port/);
  });

  it('reads the three kinds of bus endpoint', () => {
    const framing = { baudRate: 9600, dataBits: 8, parity: 'even', stopBits: 1 } as const;
    assert.deepEqual(parseBusEndpoint('tcp://192.0.2.10', framing), { kind: 'tcp', host: '192.0.2.10', port: 502 });
    assert.deepEqual(parseBusEndpoint('rtu+tcp://[::1]:4001', framing), { kind: 'rtu+tcp', host: '::1', port: 4001 });
    assert.deepEqual(parseBusEndpoint('/dev/ttyUSB1', framing), { kind: 'serial', path: '/dev/ttyUSB1', framing });
    assert.throws(() => parseBusEndpoint('rtu+tcp://converter', framing), (error: unknown) => hasCode(error, 'PW_ERR_GATEWAY_FILE') &&
      /--port/.test((error as Error).message));
  });
});
