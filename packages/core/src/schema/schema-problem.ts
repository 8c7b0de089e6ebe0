// Turns a value a TypeBox schema refuses into the one problem to report, phrased as phasewire's
// errors are: the field's path, what was found and what was expected. TypeBox decides whether a
// value is valid (Value.Check); this only walks the schema to the innermost field that fails, so
// that a file format's schema stays its only source of truth. What a field expects is the schema's
// own words: its `expected` annotation when it has one, else a phrase made from its keywords.
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** The keywords of the JSON Schema subset phasewire's file formats use, as TypeBox emits them. */
export interface SchemaNode {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | SchemaNode;
  readonly patternProperties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode | readonly SchemaNode[];
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly anyOf?: readonly SchemaNode[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly pattern?: string;
  /** phasewire's annotation: what the field expects, in the words of an error message and the reference docs. */
  readonly expected?: string;
  readonly description?: string;
  readonly default?: unknown;
}

/** One thing wrong with a value: where, what was found (undefined: missing) and what was expected. */
export interface SchemaProblem {
  /** `points[1].unit`, `headEnd.server`; `(root)` for the value itself. */
  readonly path: string;
  readonly found: unknown;
  readonly expected: string;
}

const check = (schema: SchemaNode, value: unknown): boolean => Value.Check(schema, value);
const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `points` + `unit` → `points.unit`; keys that are not names are quoted (`tokens["m-1"]`). */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : undefined;
  if (path === '') return name ?? `[${JSON.stringify(key)}]`;
  return name === undefined ? `${path}[${JSON.stringify(key)}]` : `${path}.${name}`;
}

/** A value as an error message shows it: JSON, cut at 60 characters; `missing` for nothing. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(shallow(value, 8)) as string | undefined ?? 'a value JSON cannot show';
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/**
 * The value with whatever lies deeper than `depth` levels replaced by `…`: a hostile file nested
 * thousands of levels deep would overflow the stack of JSON.stringify, and the message shows 60
 * characters anyway.
 */
function shallow(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? String(value) : value;
  if (depth === 0) return Array.isArray(value) ? ['…'] : { '…': '…' };
  if (Array.isArray(value)) return value.map((item: unknown) => shallow(item, depth - 1));
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shallow(item, depth - 1)]));
}

/** `field points[1].unit is "A", expected …`: the body of every file-format error. */
export function problemMessage(problem: SchemaProblem): string {
  return `field ${problem.path === '' ? '(root)' : problem.path} is ${showValue(problem.found)}, expected ${problem.expected}`;
}

const plain = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

function oneOf(values: readonly unknown[]): string {
  return values.length === 1 ? plain(values[0]) : `one of ${values.map(plain).join(', ')}`;
}

function range(schema: SchemaNode): string {
  const { minimum: min, maximum: max, exclusiveMinimum: above, exclusiveMaximum: below } = schema;
  const low = min === undefined ? (above === undefined ? undefined : `above ${above}`) : `from ${min}`;
  const high = max === undefined ? (below === undefined ? undefined : `below ${below}`) : `to ${max}`;
  if (low !== undefined && high !== undefined) return ` ${low}${high.startsWith('to') ? '' : ' and'} ${high}`;
  if (low !== undefined) return min === undefined ? ` ${low}` : ` of at least ${min}`;
  if (high !== undefined) return max === undefined ? ` ${high}` : ` of at most ${max}`;
  return '';
}

/** The literal each branch of a union of objects holds in one shared property (`kind`), if there is one. */
function discriminator(branches: readonly SchemaNode[]): string | undefined {
  const [first] = branches;
  return Object.keys(first?.properties ?? {}).find((key) => branches.every((b) => b.properties?.[key]?.const !== undefined));
}

/** What a schema expects, as an error message and the reference docs say it. */
export function expectedOf(schema: TSchema | SchemaNode): string {
  const s = schema as SchemaNode;
  if (s.expected !== undefined) return s.expected;
  if (s.const !== undefined) return plain(s.const);
  if (s.enum !== undefined) return oneOf(s.enum);
  if (s.anyOf !== undefined) {
    if (s.anyOf.every((branch) => branch.const !== undefined)) return oneOf(s.anyOf.map((branch) => branch.const));
    const key = discriminator(s.anyOf);
    if (key !== undefined) return `an object whose ${key} is ${oneOf(s.anyOf.map((b) => b.properties?.[key]?.const))}`;
    const each = s.anyOf.map(expectedOf);
    return `${each.slice(0, -1).join(', ')} or ${each.at(-1) ?? ''}`;
  }
  switch (s.type) {
    case 'integer': return `a whole number${range(s)}`;
    case 'number': return `a number${range(s)}`;
    case 'boolean': return 'true or false';
    case 'object': return 'an object';
    case 'array':
      if (Array.isArray(s.items)) return `a list of ${s.items.length}: [${s.items.map(expectedOf).join(', ')}]`;
      return (s.minItems ?? 0) > 0 ? 'a non-empty list' : 'a list';
    case 'string':
      if (s.pattern !== undefined) return `a string matching ${s.pattern}`;
      return (s.minLength ?? 0) > 0 ? 'a non-empty string' : 'a string';
    default: return 'a value';
  }
}

function objectProblem(schema: SchemaNode, value: unknown, path: string): SchemaProblem | undefined {
  if (!isRecord(value)) return { path, found: value, expected: expectedOf(schema) };
  const properties = schema.properties ?? {};
  if (schema.additionalProperties === false && schema.patternProperties === undefined) {
    const unknown = Object.keys(value).find((key) => !Object.hasOwn(properties, key));
    if (unknown !== undefined) {
      const allowed = Object.keys(properties).join(', ');
      return { path: childPath(path, unknown), found: value[unknown], expected: `no such field (allowed: ${allowed})` };
    }
  }
  for (const [key, child] of Object.entries(properties)) {
    const field = value[key];
    if (field === undefined) {
      if (schema.required?.includes(key) === true) return { path: childPath(path, key), found: undefined, expected: expectedOf(child) };
    } else if (!check(child, field)) {
      return problemAt(child, field, childPath(path, key));
    }
  }
  for (const [pattern, child] of Object.entries(schema.patternProperties ?? {})) {
    const bad = Object.keys(value).find((key) => new RegExp(pattern, 'u').test(key) && !check(child, value[key]));
    if (bad !== undefined) return problemAt(child, value[bad], childPath(path, bad));
  }
  return undefined;
}

function arrayProblem(schema: SchemaNode, value: unknown, path: string): SchemaProblem | undefined {
  if (!Array.isArray(value)) return { path, found: value, expected: expectedOf(schema) };
  const tuple = Array.isArray(schema.items) ? schema.items as readonly SchemaNode[] : undefined;
  const tooFew = value.length < (schema.minItems ?? 0);
  const tooMany = value.length > (schema.maxItems ?? tuple?.length ?? Infinity);
  if (tooFew || tooMany) return { path, found: value, expected: expectedOf(schema) };
  for (const [index, item] of value.entries()) {
    const itemSchema = tuple === undefined ? schema.items as SchemaNode | undefined : tuple[index];
    if (itemSchema !== undefined && !check(itemSchema, item)) return problemAt(itemSchema, item, childPath(path, index));
  }
  return undefined;
}

function unionProblem(schema: SchemaNode, branches: readonly SchemaNode[], value: unknown, path: string): SchemaProblem {
  const key = discriminator(branches);
  if (key === undefined || !isRecord(value)) return { path, found: value, expected: expectedOf(schema) };
  const branch = branches.find((b) => b.properties?.[key]?.const === value[key]);
  if (branch === undefined) {
    return { path: childPath(path, key), found: value[key], expected: oneOf(branches.map((b) => b.properties?.[key]?.const)) };
  }
  return problemAt(branch, value, path);
}

function problemAt(schema: SchemaNode, value: unknown, path: string): SchemaProblem {
  const inner = schema.anyOf !== undefined ? unionProblem(schema, schema.anyOf, value, path)
    : schema.type === 'object' ? objectProblem(schema, value, path)
      : schema.type === 'array' ? arrayProblem(schema, value, path)
        : undefined;
  // A keyword this walk does not look into (minProperties, uniqueItems…) failed: blame the field itself.
  return inner ?? { path, found: value, expected: expectedOf(schema) };
}

/** The problem that makes `value` fail `schema` (the first in the schema's field order), or undefined when it passes. */
export function findSchemaProblem(schema: TSchema, value: unknown): SchemaProblem | undefined {
  return check(schema, value) ? undefined : problemAt(schema, value, '');
}

/** Passes a value that fits `schema`, typed as the schema's static type; hands the problem of any other to `fail`. */
export function assertSchema<T extends TSchema>(
  schema: T, value: unknown, fail: (problem: SchemaProblem) => never,
): asserts value is Static<T> {
  const problem = findSchemaProblem(schema, value);
  if (problem !== undefined) fail(problem);
}
