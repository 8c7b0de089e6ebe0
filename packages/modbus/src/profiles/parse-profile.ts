// The trust boundary of device profiles: JSON from a file in, a typed DeviceProfile or a
// ConfigError out, naming the file, the field, what was found and what was expected. The schema
// (profile-schema.ts) decides the shape; this adds what it cannot say: catalogue quantities,
// units that convert, defaults, registers that stay in the address space and do not overlap.
// Adding a meter model is adding a data file that passes here; nothing else knows a model by name.
import { ConfigError, findQuantity } from '@phasewire/core';
import { assertSchema, expectedOf, problemMessage } from '@phasewire/core/schema';
import { DeviceProfileSchema, deviceUnits, type DeviceProfileFile } from './profile-schema.ts';
import {
  registersOf, type DeviceProfile, type IdentifyProbe, type ProbeExpectation, type ProfilePoint,
} from './profile-types.ts';

type Fail = (path: string, found: unknown, expected: string) => never;
type PointFile = DeviceProfileFile['points'][number];
type Defaults = NonNullable<DeviceProfileFile['defaults']>;
type ProbeFile = DeviceProfileFile['identify'];

/** A PDU address from the schema's number or "0x…" string. */
const addressOf = (value: number | string): number => (typeof value === 'number' ? value : Number.parseInt(value.slice(2), 16));

/**
 * Parses one device profile. `file` names it in errors. Points may take their function code,
 * type and order from `defaults`; every point is checked against the catalogue (its quantity
 * must exist and its unit convert to the quantity's unit) and against every other point (no
 * two may overlap, no two may map the same quantity).
 */
export function parseDeviceProfile(data: unknown, file: string): DeviceProfile {
  const fail: Fail = (path, found, expected) => {
    throw new ConfigError('PW_ERR_PROFILE_INVALID', `Cannot load device profile ${file}: ${problemMessage({ path, found, expected })}`);
  };
  assertSchema(DeviceProfileSchema, data, (problem) => fail(problem.path, problem.found, problem.expected));
  const points = data.points.map((raw, index) => toPoint(raw, `points[${index}]`, data.defaults ?? {}, fail));
  checkOverlaps(points, fail);
  return {
    model: data.model,
    manufacturer: data.manufacturer,
    name: data.name,
    source: { title: data.source.title, version: data.source.version, url: data.source.url },
    checkedAgainst: data.checkedAgainst ?? [],
    maxRegistersPerRead: data.maxRegistersPerRead,
    timing: { interFrameDelayMs: data.timing.interFrameDelayMs ?? 0, responseTimeoutMs: data.timing.responseTimeoutMs },
    identify: toProbe(data.identify, fail),
    points,
  };
}

const pointSchema = DeviceProfileSchema.properties.points.items.properties;

function toPoint(raw: PointFile, field: string, defaults: Defaults, fail: Fail): ProfilePoint {
  const quantity = findQuantity(raw.quantity) ?? fail(`${field}.quantity`, raw.quantity, expectedOf(pointSchema.quantity));
  const conversion = deviceUnits.get(raw.unit);
  if (conversion?.[0] !== quantity.unit) {
    fail(`${field}.unit`, raw.unit, `a unit that converts to ${quantity.unit} (the unit of ${quantity.key})`);
  }
  const scale = raw.scale ?? 1;
  if (scale === 0) fail(`${field}.scale`, scale, 'a non-zero number');
  const functionCode = raw.functionCode ?? defaults.functionCode
    ?? fail(`${field}.functionCode`, undefined, `${expectedOf(pointSchema.functionCode)}, here or in defaults.functionCode`);
  const type = raw.type ?? defaults.type ?? fail(`${field}.type`, undefined, `${expectedOf(pointSchema.type)}, here or in defaults.type`);
  const address = addressOf(raw.address);
  if (address + registersOf(type) > 0x10000) fail(`${field}.address`, raw.address, `an address where a ${type} ends at or before 65535`);
  const point: ProfilePoint = {
    quantity, obis: quantity.obis, functionCode, address, type, order: raw.order ?? defaults.order ?? 'ABCD',
    scale, unit: raw.unit, unitFactor: conversion[1],
  };
  const sr = raw.scaleRegister;
  if (sr === undefined) return point;
  return { ...point, scaleRegister: { functionCode: sr.functionCode ?? functionCode, address: addressOf(sr.address), type: 'int16' } };
}

function checkOverlaps(points: readonly ProfilePoint[], fail: Fail): void {
  const owner = new Map<string, number>();
  const quantities = new Map<string, number>();
  points.forEach((point, index) => {
    const first = quantities.get(point.obis);
    if (first !== undefined) {
      fail(`points[${index}].quantity`, point.quantity.key, `a quantity not already mapped (points[${first}] maps ${point.quantity.key})`);
    }
    quantities.set(point.obis, index);
    for (let r = 0; r < registersOf(point.type); r++) {
      const key = `${point.functionCode}:${point.address + r}`;
      const other = owner.get(key);
      if (other !== undefined) {
        fail(`points[${index}].address`, point.address,
          `registers not used by another point (overlaps points[${other}] at ${point.address + r}, function ${point.functionCode})`);
      }
      owner.set(key, index);
    }
  });
}

function toExpectation(raw: { equals: number[] } | { text: string } | { responds: true }): ProbeExpectation {
  if ('equals' in raw) return { kind: 'equals', values: raw.equals };
  if ('text' in raw) return { kind: 'text', prefix: raw.text };
  return { kind: 'responds' };
}

function toProbe(raw: ProbeFile, fail: Fail): IdentifyProbe {
  if (raw.kind === 'device-id') return { kind: 'device-id', objectId: raw.objectId, expect: { kind: 'text', prefix: raw.expect.text } };
  const expect = toExpectation(raw.expect);
  const ascii = raw.type === 'ascii';
  if (ascii !== (expect.kind === 'text') && expect.kind !== 'responds') {
    fail('identify.expect', raw.expect,
      ascii ? '{ "text": … } for an ascii probe' : '{ "equals": … } or { "responds": true } for a number probe');
  }
  let count: number;
  if (raw.type === 'ascii') {
    count = raw.count ?? fail('identify.count', undefined, 'the registers of text an ascii probe reads, 1 to 125');
  } else {
    count = registersOf(raw.type);
    const reads = count === 1 ? 'one register' : `${count} registers`;
    if (raw.count !== undefined) fail('identify.count', raw.count, `no count for a ${raw.type} probe (it reads ${reads})`);
  }
  return {
    kind: 'register', functionCode: raw.functionCode, address: addressOf(raw.address), type: raw.type, count,
    order: raw.order ?? 'ABCD', expect,
  };
}
