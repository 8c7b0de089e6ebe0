import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, hasCode } from '@phasewire/core';
import { wordOrders } from '../word-order.ts';
import { parseDeviceProfile } from './parse-profile.ts';
import { decodeImage, planReads } from './plan-reads.ts';
import { decodePoint, encodePoint } from './point-codec.ts';
import { pointTypes } from './profile-types.ts';

const base = {
  model: 'test-meter', manufacturer: 'Test', name: 'Test meter',
  source: { title: 'Test register map', version: '1', url: 'https://example.org/map.pdf' },
  maxRegistersPerRead: 8, timing: { responseTimeoutMs: 100 },
  defaults: { functionCode: 3, type: 'float32', order: 'ABCD' },
  identify: { kind: 'register', functionCode: 3, address: 100, type: 'uint16', expect: { equals: [7] } },
  points: [
    { quantity: 'voltageL1', address: 0, unit: 'V' },
    { quantity: 'voltageL2', address: 2, unit: 'V' },
    { quantity: 'voltageL3', address: 4, unit: 'V' },
    { quantity: 'currentL1', address: 6, unit: 'mA', type: 'int32', order: 'CDAB' },
    { quantity: '1-0:1.8.0', address: '0x0010', unit: 'kWh', type: 'uint64' },
    { quantity: 'frequency', address: 9, unit: 'Hz', type: 'int16', scale: 0.01, functionCode: 4 },
  ],
};

function refuses(change: (copy: Record<string, unknown>) => void, field: RegExp): void {
  const copy = structuredClone(base) as unknown as Record<string, unknown>;
  change(copy);
  assert.throws(() => parseDeviceProfile(copy, 'profiles/test-meter.json'), (error: unknown) => {
    assert.ok(error instanceof ConfigError && hasCode(error, 'PW_ERR_PROFILE_INVALID'));
    assert.match(error.message, /profiles\/test-meter\.json/);
    assert.match(error.message, field);
    return true;
  });
}

describe('device profile schema', () => {
  it('parses a valid profile, taking defaults and converting units, OBIS codes and hex addresses', () => {
    const profile = parseDeviceProfile(base, 'test.json');
    assert.equal(profile.points.length, 6);
    const energy = profile.points[4]!;
    assert.equal(energy.quantity.key, 'activeEnergyImport');
    assert.equal(energy.address, 16);
    assert.equal(energy.unitFactor, 1000);
    assert.equal(profile.points[3]!.order, 'CDAB');
    assert.equal(profile.points[0]!.functionCode, 3);
  });

  it('names the file, the field and what was expected for each kind of mistake', () => {
    refuses((p) => { p['points'] = []; }, /field points is \[\], expected a non-empty list/);
    refuses((p) => { (p['points'] as Record<string, unknown>[])[0]!['quantity'] = 'voltageL9'; },
      /points\[0\]\.quantity is "voltageL9", expected a catalogue key/);
    refuses((p) => { (p['points'] as Record<string, unknown>[])[1]!['unit'] = 'A'; },
      /points\[1\]\.unit is "A", expected a unit that converts to V/);
    refuses((p) => { (p['points'] as Record<string, unknown>[])[1]!['address'] = 1; }, /points\[1\]\.address .*overlaps points\[0\]/);
    refuses((p) => { (p['points'] as Record<string, unknown>[])[2]!['quantity'] = 'voltageL1'; }, /points\[2\]\.quantity .*already mapped/);
    refuses((p) => { (p['points'] as Record<string, unknown>[])[0]!['functionCode'] = 6; },
      /points\[0\]\.functionCode is 6, expected 3 \(holding registers\) or 4/);
    refuses((p) => { (p['points'] as Record<string, unknown>[])[0]!['order'] = 'BA'; }, /points\[0\]\.order is "BA", expected one of ABCD/);
    refuses((p) => { (p['points'] as Record<string, unknown>[])[0]!['type'] = 'float16'; }, /points\[0\]\.type is "float16"/);
    refuses((p) => { (p['points'] as Record<string, unknown>[])[0]!['address'] = 70000; }, /points\[0\]\.address is 70000/);
    refuses((p) => { p['maxRegistersPerRead'] = 200; }, /maxRegistersPerRead is 200, expected a whole number from 4 to 125/);
    refuses((p) => { p['source'] = { title: 'x', version: '1', url: 'http://example.org' }; }, /source\.url/);
    refuses((p) => { p['identify'] = { kind: 'magic' }; }, /identify\.kind/);
    refuses((p) => { p['colour'] = 'red'; }, /field colour is "red", expected no such field \(allowed: \$schema, model, /);
    refuses((p) => { delete p['timing']; }, /field timing is missing, expected an object/);
  });

  it('says what the schema cannot: units, scales, the end of the address space, defaults and probes', () => {
    const field = (p: Record<string, unknown>, name: string) => p[name] as Record<string, unknown>;
    const point = (p: Record<string, unknown>) => (p['points'] as Record<string, unknown>[])[0]!;
    const ascii = { kind: 'register', functionCode: 3, address: 1, type: 'ascii' };
    refuses((p) => { field(p, 'source')['pages'] = 3; },
      /field source\.pages is 3, expected no such field \(allowed: title, version, url\)/);
    refuses((p) => { point(p)['unit'] = 'volts'; }, /points\[0\]\.unit is "volts", expected one of V, kV, A, mA/);
    refuses((p) => { point(p)['scale'] = 0; }, /points\[0\]\.scale is 0, expected a non-zero number/);
    refuses((p) => { point(p)['address'] = 65_535; }, /points\[0\]\.address is 65535, expected an address where a float32 ends/);
    refuses((p) => { delete field(p, 'defaults')['functionCode']; },
      /points\[0\]\.functionCode is missing, expected 3 .* or 4 .*, here or in defaults\.functionCode/);
    refuses((p) => { field(p, 'identify')['count'] = 3; },
      /identify\.count is 3, expected no count for a uint16 probe \(it reads one register\)/);
    refuses((p) => { p['identify'] = { ...ascii, expect: { text: 'X' } }; }, /identify\.count is missing/);
    refuses((p) => { p['identify'] = { ...ascii, count: 2, expect: { equals: [1] } }; },
      /identify\.expect is \{"equals":\[1\]\}, expected \{ "text": … \} for an ascii probe/);
  });
});

describe('point codec', () => {
  it('round-trips every data type in every byte and word order', () => {
    const profile = parseDeviceProfile(base, 'test.json');
    const template = profile.points[0]!;
    for (const type of pointTypes) {
      for (const order of wordOrders) {
        const point = { ...template, type, order };
        const value = type.startsWith('uint') ? 4242 : -4242;
        assert.equal(decodePoint(point, encodePoint(point, value)), value, `${type} ${order}`);
      }
    }
  });

  it('reads the same float32 differently in ABCD and CDAB, as meters of both kinds send it', () => {
    const profile = parseDeviceProfile(base, 'test.json');
    const point = profile.points[0]!;
    assert.equal(decodePoint(point, [0x4366, 0x8000]), 230.5);
    assert.equal(decodePoint({ ...point, order: 'CDAB' }, [0x8000, 0x4366]), 230.5);
    assert.throws(() => decodePoint(point, [0x7fc0, 0x0000]), (e: unknown) => hasCode(e, 'PW_ERR_DECODE'), 'NaN never becomes a value');
  });

  it('refuses to encode a value outside the type after scaling', () => {
    const profile = parseDeviceProfile(base, 'test.json');
    assert.throws(() => encodePoint(profile.points[5]!, 1000), (e: unknown) => hasCode(e, 'PW_ERR_PROFILE_VALUE'));
  });

  it('coalesces contiguous registers per function code within the block limit and never bridges a gap', () => {
    const profile = parseDeviceProfile(base, 'test.json');
    const reads = planReads(profile).map((r) => [r.functionCode, r.address, r.count]);
    assert.deepEqual(reads, [[3, 0, 8], [3, 16, 4], [4, 9, 1]]);
  });

  it('applies a scale register as a power of ten', () => {
    const profile = parseDeviceProfile({ ...base, points: [{ quantity: 'activePower', address: 0, unit: 'W', type: 'int16', scaleRegister: {
      address: 5, type: 'int16' } }] }, 'test.json');
    const image = new Map([['3:0', 1234], ['3:5', 0xffff]]);
    assert.equal([...decodeImage(profile.points, image).values()][0], 123.4);
    assert.deepEqual(planReads(profile).map((r) => [r.address, r.count]), [[0, 1], [5, 1]]);
  });
});
