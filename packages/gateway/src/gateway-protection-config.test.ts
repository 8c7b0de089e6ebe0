// gateway.json's protection switch: per polled meter, on or off, with its settings checked against
// the protection settings' schema (version 1: the file is the version); what it turns on judges that
// meter's polls with its own settings, and only that meter's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode, parseMeterId, Q, type Snapshot } from '@phasewire/core';
import { parseGatewayConfig } from './gateway-config.ts';
import { PolledProtection } from './polled-protection.ts';

const file = (protection: Record<string, unknown>[]) => ({
  transport: { port: '/dev/ttyUSB0' },
  headEnd: { server: 'mqtts://head-end.example:8883' },
  meters: protection.map((p, i) => ({ meter: `plant-p-${i + 1}`, unit: i + 1, ...(Object.keys(p).length === 0 ? {} : { protection: p }) })),
});

const refused = (data: unknown, field: RegExp): void => {
  assert.throws(() => parseGatewayConfig(data, 'gw.json'), (error: unknown) => {
    assert.ok(hasCode(error, 'PW_ERR_GATEWAY_FILE'), String(error));
    assert.match((error as Error).message, field);
    return true;
  });
};

describe('gateway protection configuration', () => {
  it('switches protection on per meter, with each meter\'s settings, and leaves it off by default', () => {
    const config = parseGatewayConfig(file([
      { enabled: true, settings: { ratedCurrent: 40, undervoltage: { pickup: 0.8, delayMs: 60_000 } } },
      { enabled: true },
      { enabled: false, settings: { ratedCurrent: 5 } },
      {},
    ]), 'gw.json');
    const [a, b, c, d] = config.meters;
    assert.deepEqual([a?.protection?.version, a?.protection?.ratedCurrent, a?.protection?.undervoltage], [1, 40,
      { enabled: true, pickup: 0.8, delayMs: 60_000 }]);
    assert.deepEqual([b?.protection?.ratedCurrent, b?.protection?.undervoltage.delayMs], [10, 3000], 'the defaults');
    assert.deepEqual([c?.protection, d?.protection], [undefined, undefined]);
  });

  it('refuses settings that do not fit the schema, a version, and an unknown field, naming the field', () => {
    refused(file([{ enabled: true, settings: { hysteresis: 5 } }]), /meters\[0\]\.protection\.settings.*hysteresis/);
    refused(file([{ enabled: true, settings: { version: 3 } }]), /meters\[0\]\.protection\.settings\.version/);
    refused(file([{ enabled: 'yes' }]), /meters\[0\]\.protection\.enabled/);
    refused(file([{ enabled: true, level: 3 }]), /meters\[0\]\.protection/);
  });

  it('judges each switched-on meter\'s polls with its own settings', () => {
    const config = parseGatewayConfig(file([{ enabled: true, settings: { undervoltage: { pickup: 0.9, delayMs: 60_000 } } },
      { enabled: true, settings: { undervoltage: { pickup: 0.5, delayMs: 60_000 } } }, {}]), 'gw.json');
    const guarded = config.meters.filter((m) => m.protection !== undefined);
    const protection = new PolledProtection(guarded.map((m) => m.meter), (meter) => {
      const settings = guarded.find((m) => m.meter === meter)?.protection;
      assert.ok(settings !== undefined);
      return settings;
    });
    // 0.8 Un on every phase, polled a minute apart: under 0.9 (the first meter's pickup), over 0.5 (the second's).
    const poll = (meter: string, at: number): Snapshot => ({ meter: parseMeterId(meter), at, values: new Map([
      [Q.voltageL1, 184], [Q.voltageL2, 184], [Q.voltageL3, 184], [Q.voltageL1L2, 318.7], [Q.voltageL2L3, 318.7], [Q.voltageL3L1, 318.7],
    ]) });
    for (const at of [0, 60_000, 120_000]) for (const meter of ['plant-p-1', 'plant-p-2', 'plant-p-3']) protection.observe(poll(meter, at));
    assert.deepEqual(protection.takeTrips(parseMeterId('plant-p-1')).map((t) => [t.fn, t.at, t.pickup]), [['undervoltage', 60_000, 0.9]]);
    assert.deepEqual(protection.takeTrips(parseMeterId('plant-p-2')), []);
    assert.equal(protection.protection(parseMeterId('plant-p-3')), undefined, 'off unless switched on');
  });
});
