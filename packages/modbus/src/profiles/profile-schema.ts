// The schema of a device profile file (packages/modbus/profiles/<model>.json): the one source of
// truth for what a file may hold. parse-profile.ts checks a file against it, then checks what a
// schema cannot say (catalogue quantities, unit conversions, overlapping registers); the reference
// table of docs/device-profiles.md is generated from it (`npm run gen:docs`).
import { Type, type Static } from 'typebox';
import type { UnitSymbol } from '@phasewire/core';
import { MAX_READ_REGISTERS } from '../limits.ts';
import { wordOrders } from '../word-order.ts';
import { pointTypes, type DeviceUnit } from './profile-types.ts';

/** Each device unit: the catalogue unit it converts to and the factor. */
export const deviceUnits: ReadonlyMap<DeviceUnit, readonly [UnitSymbol, number]> = new Map<DeviceUnit, readonly [UnitSymbol, number]>([
  ['V', ['V', 1]], ['kV', ['V', 1000]], ['A', ['A', 1]], ['mA', ['A', 0.001]], ['W', ['W', 1]], ['kW', ['W', 1000]],
  ['var', ['var', 1]], ['kvar', ['var', 1000]], ['VA', ['VA', 1]], ['kVA', ['VA', 1000]], ['Wh', ['Wh', 1]], ['kWh', ['Wh', 1000]],
  ['MWh', ['Wh', 1_000_000]], ['varh', ['varh', 1]], ['kvarh', ['varh', 1000]], ['Hz', ['Hz', 1]], ['1', ['1', 1]], ['%', ['1', 0.01]],
  ['deg', ['deg', 1]],
]);

const closed = { additionalProperties: false } as const;

const text = (description?: string) =>
  Type.String({ pattern: '\\S', expected: 'a non-empty string', ...(description === undefined ? {} : { description }) });

/** A register address, as a number or a "0x…" string (manuals print both). */
const Address = (description: string) => Type.Union([
  Type.Integer({ minimum: 0, maximum: 0xffff }),
  Type.String({ pattern: '^0[xX][0-9a-fA-F]{1,4}$' }),
], { expected: 'a PDU address from 0 to 65535 (number or "0x…" string)', description });

const ReadFunction = (description: string) => Type.Union([Type.Literal(3), Type.Literal(4)], {
  expected: '3 (holding registers) or 4 (input registers)', description,
});

const PointTypeSchema = (description: string) => Type.Enum(pointTypes, { description });

const WordOrderSchema = (description: string, fallback?: 'ABCD') =>
  Type.Enum(wordOrders, { description, ...(fallback === undefined ? {} : { default: fallback }) });

const Expectation = Type.Union([
  Type.Object({ equals: Type.Array(Type.Number({ minimum: -(2 ** 53), maximum: 2 ** 53 }), { minItems: 1 }) }, closed),
  Type.Object({ text: text() }, closed),
  Type.Object({ responds: Type.Literal(true) }, closed),
], {
  expected: '{ "equals": [numbers] }, { "text": "prefix" } or { "responds": true }',
  description: 'what the device answers: one of these numbers, a text starting with this prefix (case ignored), or anything',
});

const RegisterProbe = Type.Object({
  kind: Type.Literal('register'),
  functionCode: ReadFunction('the function the probe reads with'),
  address: Address('the register the probe reads'),
  type: Type.Enum([...pointTypes, 'ascii'], {
    description: 'a number type reads one value; `ascii` reads `count` registers of text, two characters each',
  }),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_READ_REGISTERS, description: '`ascii` only: the registers of text' })),
  order: Type.Optional(WordOrderSchema('byte and word order of a number', 'ABCD')),
  expect: Expectation,
}, { ...closed, description: 'read a register and compare it' });

const DeviceIdProbe = Type.Object({
  kind: Type.Literal('device-id'),
  objectId: Type.Integer({ minimum: 0, maximum: 255, description: 'the object of Read Device Identification (function 43 / MEI 14)' }),
  expect: Type.Object({ text: text('the prefix') }, {
    ...closed, expected: '{ "text": "prefix" }', description: 'the text the object starts with (case ignored)',
  }),
}, { ...closed, description: 'read one device identification object' });

const Point = Type.Object({
  quantity: Type.String({
    minLength: 1, expected: 'a catalogue key or OBIS code (packages/core/src/catalogue.ts)',
    description: 'catalogue key (`voltageL1`) or OBIS code (`1-0:32.7.0`) from docs/quantities.md',
  }),
  address: Address('the PDU address, 0-based: manuals\' 30001/40001 numbers minus the offset, and minus one where they count from 1'),
  functionCode: Type.Optional(ReadFunction('the function the value is read with (or `defaults.functionCode`)')),
  type: Type.Optional(PointTypeSchema('the register data type (or `defaults.type`)')),
  order: Type.Optional(WordOrderSchema('byte and word order of the value (or `defaults.order`; docs/modbus.md)', 'ABCD')),
  scale: Type.Optional(Type.Number({
    minimum: -1e9, maximum: 1e9, default: 1, description: 'raw × scale = value in `unit`; not 0',
  })),
  unit: Type.Enum([...deviceUnits.keys()], {
    description: 'the device\'s unit; it must convert to the catalogue unit of `quantity` (kWh → Wh × 1000)',
  }),
  scaleRegister: Type.Optional(Type.Object({
    address: Address('the register holding the exponent'),
    functionCode: Type.Optional(ReadFunction('the function it is read with (the point\'s by default)')),
    type: Type.Literal('int16', { expected: '"int16" (a power-of-ten exponent)', description: 'always `int16`' }),
  }, { ...closed, description: 'a register holding a power-of-ten exponent that scales the value (SunSpec style)' })),
  note: Type.Optional(Type.String({ description: 'free text' })),
}, closed);

export const DeviceProfileSchema = Type.Object({
  $schema: Type.Optional(Type.String({ description: 'a JSON Schema for editors; ignored' })),
  model: Type.String({
    pattern: '^[a-z0-9][a-z0-9-]*$', expected: 'lower-case letters, digits and dashes',
    description: 'short key, equal to the file name (`sdm630`)',
  }),
  manufacturer: text('for people'),
  name: text('for people'),
  source: Type.Object({
    title: text('the document\'s title'),
    version: text('its version or date (`as published` when it has none)'),
    url: Type.String({
      pattern: '^https://\\S+$', expected: 'an https URL of the manufacturer\'s document', description: 'where it is published',
    }),
  }, { ...closed, description: 'the manufacturer\'s register map the file was written from' }),
  checkedAgainst: Type.Optional(Type.Array(text(), {
    expected: 'a list of non-empty strings',
    description: 'other sources the addresses were checked against (may be empty: say so in `notes`)',
  })),
  maxRegistersPerRead: Type.Integer({
    minimum: 4, maximum: MAX_READ_REGISTERS, description: 'the largest block the device answers (MBAP-APP §6.3: at most 125)',
  }),
  timing: Type.Object({
    interFrameDelayMs: Type.Optional(Type.Number({
      minimum: 0, maximum: 10_000, default: 0, description: 'silence the device needs between frames beyond t3.5, ms',
    })),
    responseTimeoutMs: Type.Number({ minimum: 1, maximum: 60_000, description: 'how long the device may take to answer, ms' }),
  }, { ...closed, description: 'the device\'s timing on the bus' }),
  defaults: Type.Optional(Type.Object({
    functionCode: Type.Optional(ReadFunction('for points that name none')),
    type: Type.Optional(PointTypeSchema('for points that name none')),
    order: Type.Optional(WordOrderSchema('for points that name none')),
  }, { ...closed, description: 'what points that do not name their own take' })),
  identify: Type.Union([RegisterProbe, DeviceIdProbe], { description: 'the probe `scan` recognises the model by (below)' }),
  points: Type.Array(Point, { minItems: 1, expected: 'a non-empty list of points', description: 'the mapped quantities' }),
  notes: Type.Optional(Type.String({ description: 'free text: conventions, what was left out and why' })),
}, closed);

/** A profile file as the schema admits it, before defaults, catalogue look-ups and unit conversion. */
export type DeviceProfileFile = Static<typeof DeviceProfileSchema>;
