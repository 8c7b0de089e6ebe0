import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from 'typebox';
import { assertSchema, expectedOf, findSchemaProblem, problemMessage, showValue } from './schema-problem.ts';

const Expect = Type.Union([
  Type.Object({ equals: Type.Array(Type.Number(), { minItems: 1 }) }, { additionalProperties: false }),
  Type.Object({ text: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
], { expected: '{ "equals": [numbers] } or { "text": "prefix" }' });

const Sample = Type.Object({
  name: Type.String({ minLength: 1 }),
  unit: Type.Integer({ minimum: 1, maximum: 247 }),
  rate: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
  order: Type.Optional(Type.Enum(['ABCD', 'CDAB'])),
  stopBits: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)])),
  probe: Type.Optional(Type.Union([
    Type.Object({
      kind: Type.Literal('register'), address: Type.Integer({ minimum: 0, maximum: 65_535 }), expect: Expect,
    }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('device-id'), objectId: Type.Integer({ minimum: 0, maximum: 255 }) }, { additionalProperties: false }),
  ])),
  points: Type.Optional(Type.Array(
    Type.Object({ address: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }), { minItems: 1 },
  )),
  window: Type.Optional(Type.Tuple([Type.Number(), Type.Number()])),
  tokens: Type.Optional(Type.Record(Type.String(), Type.String())),
}, { additionalProperties: false });

const good = { name: 'x', unit: 3 };
const problem = (value: unknown): string | undefined => {
  const found = findSchemaProblem(Sample, value);
  return found === undefined ? undefined : problemMessage(found);
};

describe('the problem a schema finds in a value', () => {
  it('finds none in a value that fits, and types it', () => {
    const value: unknown = {
      ...good, probe: { kind: 'device-id', objectId: 1 }, points: [{ address: 0 }], window: [1, 2], tokens: { 'm-1': 't' },
    };
    assert.equal(problem(value), undefined);
    assertSchema(Sample, value, () => assert.fail('refused'));
    assert.equal(value.unit, 3);
  });

  it('names a missing field, a field of the wrong type and a field out of range, with what was expected', () => {
    assert.equal(problem({ unit: 3 }), 'field name is missing, expected a non-empty string');
    assert.equal(problem({ ...good, unit: '3' }), 'field unit is "3", expected a whole number from 1 to 247');
    assert.equal(problem({ ...good, unit: 2.5 }), 'field unit is 2.5, expected a whole number from 1 to 247');
    assert.equal(problem({ ...good, rate: 1 }), 'field rate is 1, expected a number from 0 and below 1');
    assert.equal(problem([]), 'field (root) is [], expected an object');
  });

  it('names an unknown field and lists the allowed ones', () => {
    assert.equal(problem({ ...good, colour: 'red' }),
      'field colour is "red", expected no such field (allowed: name, unit, rate, order, stopBits, probe, points, window, tokens)');
    assert.equal(problem({ ...good, points: [{ address: 1, width: 2 }] }),
      'field points[0].width is 2, expected no such field (allowed: address)');
  });

  it('lists the choices of an enum or a union of literals', () => {
    assert.equal(problem({ ...good, order: 'BA' }), 'field order is "BA", expected one of ABCD, CDAB');
    assert.equal(problem({ ...good, stopBits: 3 }), 'field stopBits is 3, expected one of 1, 2');
  });

  it('follows a union of objects by its discriminating field into the branch it names', () => {
    assert.equal(problem({ ...good, probe: { kind: 'magic' } }), 'field probe.kind is "magic", expected one of register, device-id');
    assert.equal(problem({ ...good, probe: { kind: 'device-id', objectId: 300 } }),
      'field probe.objectId is 300, expected a whole number from 0 to 255');
    assert.equal(problem({ ...good, probe: { kind: 'register', address: 1, expect: { equals: [] } } }),
      'field probe.expect is {"equals":[]}, expected { "equals": [numbers] } or { "text": "prefix" }');
  });

  it('points into lists, tuples and records', () => {
    assert.equal(problem({ ...good, points: [] }), 'field points is [], expected a non-empty list');
    assert.equal(problem({ ...good, points: [{ address: 0 }, { address: -1 }] }),
      'field points[1].address is -1, expected a whole number of at least 0');
    assert.equal(problem({ ...good, window: [1] }), 'field window is [1], expected a list of 2: [a number, a number]');
    assert.equal(problem({ ...good, window: [1, 'x'] }), 'field window[1] is "x", expected a number');
    assert.equal(problem({ ...good, tokens: { 'm-1': 5 } }), 'field tokens["m-1"] is 5, expected a string');
  });

  it('shows long values cut short', () => {
    assert.equal(showValue('x'.repeat(100)).length, 60);
    assert.equal(showValue(undefined), 'missing');
  });

  it('shows a value nested deeper than the stack would allow, cut at eight levels', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.equal(showValue(deep), '[[[[[[[[["…"]]]]]]]]]');
    assert.equal(showValue({ a: { b: [1, 2] }, c: 'x' }), '{"a":{"b":[1,2]},"c":"x"}');
    assert.equal(findSchemaProblem(Type.Object({ a: Type.Number() }), { a: deep })?.path, 'a');
  });

  it('says what a schema expects in the words of its annotation when it has one', () => {
    assert.equal(expectedOf(Type.String({ pattern: '^a$', expected: 'the letter a' })), 'the letter a');
    assert.equal(expectedOf(Type.String({ pattern: '^a$' })), 'a string matching ^a$');
    assert.equal(expectedOf(Type.Number({ exclusiveMinimum: 0 })), 'a number above 0');
  });
});
