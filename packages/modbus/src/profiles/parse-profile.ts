// The trust boundary of device profiles: JSON from a file in, a typed DeviceProfile or a
// ConfigError out, naming the file, the field and what was expected. Adding a meter model is
// adding a data file that passes here; nothing else in the code knows a model by name.
import { ConfigError, findQuantity, type UnitSymbol } from '@phasewire/core';
import { MAX_READ_REGISTERS } from '../limits.ts';
import { wordOrders, type WordOrder } from '../word-order.ts';
import {
  pointTypes, registersOf, type DeviceProfile, type DeviceUnit, type IdentifyProbe, type PointType, type ProbeExpectation,
  type ProfilePoint, type ReadFunction, type ScaleRegister,
} from './profile-types.ts';

/** Each device unit: the catalogue unit it converts to and the factor. */
const deviceUnits: Readonly<Record<DeviceUnit, readonly [UnitSymbol, number]>> = {
  V: ['V', 1], kV: ['V', 1000], A: ['A', 1], mA: ['A', 0.001], W: ['W', 1], kW: ['W', 1000],
  var: ['var', 1], kvar: ['var', 1000], VA: ['VA', 1], kVA: ['VA', 1000], Wh: ['Wh', 1], kWh: ['Wh', 1000],
  MWh: ['Wh', 1_000_000], varh: ['varh', 1], kvarh: ['varh', 1000], Hz: ['Hz', 1], '1': ['1', 1], '%': ['1', 0.01],
  deg: ['deg', 1],
};

type Json = Readonly<Record<string, unknown>>;

class Fields {
  readonly file: string;
  constructor(file: string) {
    this.file = file;
  }

  fail(field: string, expected: string, found: unknown): never {
    const shown = found === undefined ? 'nothing' : JSON.stringify(found);
    throw new ConfigError('PW_ERR_PROFILE_INVALID', `Cannot load device profile ${this.file}: field ${field} is ${shown}, expected ${expected}`);
  }

  object(value: unknown, field: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, 'an object', value);
    return value as Json;
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string' || value.trim() === '') this.fail(field, 'a non-empty string', value);
    return value;
  }

  number(value: unknown, field: string, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) this.fail(field, `a number from ${min} to ${max}`, value);
    return value;
  }

  /** A register address, as a number or a "0x…" string (manuals print both). */
  address(value: unknown, field: string): number {
    const parsed = typeof value === 'string' && /^0x[0-9a-f]{1,4}$/i.test(value) ? Number.parseInt(value.slice(2), 16) : value;
    if (typeof parsed !== 'number' || !Number.isInteger(parsed) || parsed < 0 || parsed > 0xffff) {
      this.fail(field, 'a PDU address from 0 to 65535 (number or "0x…" string)', value);
    }
    return parsed;
  }

  functionCode(value: unknown, field: string): ReadFunction {
    if (value !== 3 && value !== 4) this.fail(field, '3 (holding registers) or 4 (input registers)', value);
    return value;
  }

  order(value: unknown, field: string): WordOrder {
    if (!wordOrders.includes(value as WordOrder)) this.fail(field, `one of ${wordOrders.join(', ')}`, value);
    return value as WordOrder;
  }

  type(value: unknown, field: string): PointType {
    if (!pointTypes.includes(value as PointType)) this.fail(field, `one of ${pointTypes.join(', ')}`, value);
    return value as PointType;
  }

  only(object: Json, field: string, allowed: readonly string[]): void {
    for (const key of Object.keys(object)) {
      if (!allowed.includes(key)) this.fail(`${field}.${key}`, `no such field (allowed: ${allowed.join(', ')})`, object[key]);
    }
  }
}

const topFields = ['$schema', 'model', 'manufacturer', 'name', 'source', 'checkedAgainst', 'maxRegistersPerRead', 'timing', 'defaults', 'identify', 'points', 'notes'];
const pointFields = ['quantity', 'address', 'functionCode', 'type', 'order', 'scale', 'unit', 'scaleRegister', 'note'];

/**
 * Parses one device profile. `file` names it in errors. Points may take their function code,
 * type and order from `defaults`; every point is checked against the catalogue (its quantity
 * must exist and its unit convert to the quantity's unit) and against every other point (no
 * two may overlap, no two may map the same quantity).
 */
export function parseDeviceProfile(data: unknown, file: string): DeviceProfile {
  const f: Fields = new Fields(file);
  const top = f.object(data, '(root)');
  f.only(top, '(root)', topFields);
  const model = f.string(top['model'], 'model');
  if (!/^[a-z0-9][a-z0-9-]*$/.test(model)) f.fail('model', 'lower-case letters, digits and dashes', model);
  const source = f.object(top['source'], 'source');
  const url = f.string(source['url'], 'source.url');
  if (!/^https:\/\//.test(url)) f.fail('source.url', 'an https URL of the manufacturer\'s document', url);
  const checked = top['checkedAgainst'] ?? [];
  if (!Array.isArray(checked)) f.fail('checkedAgainst', 'a list of strings', checked);
  const timing = f.object(top['timing'], 'timing');
  const defaults = top['defaults'] === undefined ? {} : f.object(top['defaults'], 'defaults');
  const rawPoints = top['points'];
  if (!Array.isArray(rawPoints) || rawPoints.length === 0) f.fail('points', 'a non-empty list of points', rawPoints);

  const points = rawPoints.map((raw, index) => parsePoint(f, raw, `points[${index}]`, defaults));
  checkOverlaps(f, points);
  return {
    model,
    manufacturer: f.string(top['manufacturer'], 'manufacturer'),
    name: f.string(top['name'], 'name'),
    source: { title: f.string(source['title'], 'source.title'), version: f.string(source['version'], 'source.version'), url },
    checkedAgainst: checked.map((entry, index) => f.string(entry, `checkedAgainst[${index}]`)),
    maxRegistersPerRead: f.number(top['maxRegistersPerRead'], 'maxRegistersPerRead', 4, MAX_READ_REGISTERS),
    timing: {
      interFrameDelayMs: f.number(timing['interFrameDelayMs'] ?? 0, 'timing.interFrameDelayMs', 0, 10_000),
      responseTimeoutMs: f.number(timing['responseTimeoutMs'], 'timing.responseTimeoutMs', 1, 60_000),
    },
    identify: parseProbe(f, top['identify']),
    points,
  };
}

function parsePoint(f: Fields, raw: unknown, field: string, defaults: Json): ProfilePoint {
  const point = f.object(raw, field);
  f.only(point, field, pointFields);
  const name = f.string(point['quantity'], `${field}.quantity`);
  const quantity = findQuantity(name);
  if (quantity === undefined) f.fail(`${field}.quantity`, 'a catalogue key or OBIS code (packages/core/src/catalogue.ts)', name);
  const unit = f.string(point['unit'], `${field}.unit`) as DeviceUnit;
  const conversion = Object.hasOwn(deviceUnits, unit) ? deviceUnits[unit] : undefined;
  if (conversion?.[0] !== quantity.unit) f.fail(`${field}.unit`, `a unit that converts to ${quantity.unit} (the unit of ${quantity.key})`, unit);
  const scale = f.number(point['scale'] ?? 1, `${field}.scale`, -1e9, 1e9);
  if (scale === 0) f.fail(`${field}.scale`, 'a non-zero number', scale);
  const parsed: ProfilePoint = {
    quantity,
    obis: quantity.obis,
    functionCode: f.functionCode(point['functionCode'] ?? defaults['functionCode'], `${field}.functionCode`),
    address: f.address(point['address'], `${field}.address`),
    type: f.type(point['type'] ?? defaults['type'], `${field}.type`),
    order: f.order(point['order'] ?? defaults['order'] ?? 'ABCD', `${field}.order`),
    scale,
    unit,
    unitFactor: conversion[1],
  };
  if (parsed.address + registersOf(parsed.type) > 0x10000) f.fail(`${field}.address`, 'a value that ends at or before 65535', point['address']);
  if (point['scaleRegister'] === undefined) return parsed;
  const sr = f.object(point['scaleRegister'], `${field}.scaleRegister`);
  if (sr['type'] !== 'int16') f.fail(`${field}.scaleRegister.type`, '"int16" (a power-of-ten exponent)', sr['type']);
  const scaleRegister: ScaleRegister = {
    functionCode: f.functionCode(sr['functionCode'] ?? parsed.functionCode, `${field}.scaleRegister.functionCode`),
    address: f.address(sr['address'], `${field}.scaleRegister.address`),
    type: 'int16',
  };
  return { ...parsed, scaleRegister };
}

function checkOverlaps(f: Fields, points: readonly ProfilePoint[]): void {
  const owner = new Map<string, number>();
  const quantities = new Map<string, number>();
  points.forEach((point, index) => {
    const first = quantities.get(point.obis);
    if (first !== undefined) f.fail(`points[${index}].quantity`, `a quantity not already mapped (points[${first}] maps ${point.quantity.key})`, point.quantity.key);
    quantities.set(point.obis, index);
    for (let r = 0; r < registersOf(point.type); r++) {
      const key = `${point.functionCode}:${point.address + r}`;
      const other = owner.get(key);
      if (other !== undefined) f.fail(`points[${index}].address`, `registers not used by another point (overlaps points[${other}] at ${point.address + r}, function ${point.functionCode})`, point.address);
      owner.set(key, index);
    }
  });
}

function parseExpectation(f: Fields, raw: unknown, field: string): ProbeExpectation {
  const expect = f.object(raw, field);
  if (expect['responds'] === true) return { kind: 'responds' };
  if (typeof expect['text'] === 'string') return { kind: 'text', prefix: f.string(expect['text'], `${field}.text`) };
  const values = expect['equals'];
  if (Array.isArray(values) && values.length > 0) {
    return { kind: 'equals', values: values.map((value, i) => f.number(value, `${field}.equals[${i}]`, -(2 ** 53), 2 ** 53)) };
  }
  return f.fail(field, '{ "equals": [numbers] }, { "text": "prefix" } or { "responds": true }', raw);
}

function parseProbe(f: Fields, raw: unknown): IdentifyProbe {
  const probe = f.object(raw, 'identify');
  if (probe['kind'] === 'device-id') {
    const expect = parseExpectation(f, probe['expect'], 'identify.expect');
    if (expect.kind !== 'text') f.fail('identify.expect', '{ "text": "prefix" } for a device-id probe', probe['expect']);
    return { kind: 'device-id', objectId: f.number(probe['objectId'], 'identify.objectId', 0, 255), expect };
  }
  if (probe['kind'] !== 'register') f.fail('identify.kind', '"register" or "device-id"', probe['kind']);
  const type = probe['type'] === 'ascii' ? 'ascii' : f.type(probe['type'], 'identify.type');
  const count = type === 'ascii' ? f.number(probe['count'], 'identify.count', 1, MAX_READ_REGISTERS) : registersOf(type);
  const expect = parseExpectation(f, probe['expect'], 'identify.expect');
  if ((type === 'ascii') !== (expect.kind === 'text') && expect.kind !== 'responds') {
    f.fail('identify.expect', type === 'ascii' ? '{ "text": … } for an ascii probe' : '{ "equals": … } for a number probe', probe['expect']);
  }
  return {
    kind: 'register',
    functionCode: f.functionCode(probe['functionCode'], 'identify.functionCode'),
    address: f.address(probe['address'], 'identify.address'),
    type,
    count,
    order: f.order(probe['order'] ?? 'ABCD', 'identify.order'),
    expect,
  };
}
