// Reference tables of the file formats, generated from their schemas into sections of hand-written
// pages: every field with the value it takes (the phrase its errors use), its default and its
// meaning. A section sits between a begin marker naming the schema's file and an end marker.
import type { TSchema } from 'typebox';
import { expectedOf, type SchemaNode } from '@phasewire/core/schema';
import { DeviceProfileSchema } from '@phasewire/modbus';
import { GatewayConfigSchema } from '@phasewire/gateway';
import { alarmTypes, alarmUnits, TariffSchema } from '@phasewire/mdm';
import { AlarmRuleSchema, percentFloors, ServerConfigSchema } from '@phasewire/server';
import { LoadLimitSchema, ProtectionSettingsSchema } from '@phasewire/core/protocol';
import { FirmwareBundleSchema, FirmwareSlotsSchema } from '@phasewire/agent';
import {
  RootSignedSchema, SnapshotSignedSchema, TargetFileSchema, TargetsSignedSchema, TimestampSignedSchema,
} from '@phasewire/secure';

interface Row {
  readonly field: string;
  readonly value: string;
  readonly fallback: string;
  readonly meaning: string;
}

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const code = (value: unknown): string => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

/** The literal each branch of a union of objects holds in one shared property, as in core's problem finder. */
function discriminator(branches: readonly SchemaNode[]): string | undefined {
  const [first] = branches;
  return Object.keys(first?.properties ?? {}).find((key) => branches.every((b) => b.properties?.[key]?.const !== undefined));
}

function rowsOf(schema: SchemaNode, path: string, note = ''): Row[] {
  const rows: Row[] = [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const field = path === '' ? key : `${path}.${key}`;
    const required = schema.required?.includes(key) === true;
    const fallback = child.default !== undefined ? code(child.default) : required ? 'required' : '—';
    rows.push({ field, value: expectedOf(child), fallback, meaning: `${note}${child.description ?? ''}` });
    // `collapse`: a field whose own fields have a table of their own (one alarm's rule, under each alarm type).
    if ((child as { collapse?: boolean }).collapse !== true) rows.push(...nested(child, field, note));
  }
  return rows;
}

function nested(schema: SchemaNode, field: string, note: string): Row[] {
  if (schema.type === 'object' && schema.properties !== undefined) return rowsOf(schema, field, note);
  if (schema.type === 'array' && !Array.isArray(schema.items)) {
    const items = schema.items as SchemaNode | undefined;
    // A list of a union of objects (a tariff's components): each kind's fields, under the kind.
    if (items?.anyOf !== undefined) return nested(items, `${field}[]`, note);
    return items?.type === 'object' ? rowsOf(items, `${field}[]`, note) : [];
  }
  const key = schema.anyOf === undefined ? undefined : discriminator(schema.anyOf);
  if (schema.anyOf === undefined || key === undefined) return [];
  return schema.anyOf.flatMap((branch) => {
    const kind = branch.properties?.[key]?.const;
    const others = Object.fromEntries(Object.entries(branch.properties ?? {}).filter(([name]) => name !== key));
    return rowsOf({ ...branch, properties: others }, field, `${key} ${code(kind)}: `);
  });
}

/** The markdown table of every field of an object schema, nested fields by their path (`points[].unit`). */
export function schemaTable(schema: TSchema): string {
  const rows = rowsOf(schema, '');
  return [
    '| Field | Value | Default | Meaning |',
    '|---|---|---|---|',
    ...rows.map((r) => `| \`${r.field}\` | ${cell(r.value)} | ${r.fallback} | ${cell(r.meaning)} |`),
  ].join('\n');
}

const unitNames = { '%': 'percent', '1': 'a plain number', intervals: 'whole intervals' } as const;

/** The unit each alarm's thresholds are written in, and the smallest threshold taken as percent (lower: an old ratio). */
export function alarmUnitsTable(): string {
  return [
    '| Alarm | Unit of `warn`, `critical`, `hysteresis` | Smallest threshold taken |',
    '|---|---|---|',
    ...alarmTypes.map((type) => {
      const floor = percentFloors[type];
      return `| \`${type}\` | ${unitNames[alarmUnits[type]]} | ${floor === undefined ? '—' : `${floor} %`} |`;
    }),
  ].join('\n');
}

export interface GeneratedSection {
  /** The page in docs/. */
  readonly page: string;
  /** The schema's file, named in the begin marker. */
  readonly source: string;
  readonly text: () => string;
}

export const generatedSections: readonly GeneratedSection[] = [
  { page: 'device-profiles.md', source: 'packages/modbus/src/profiles/profile-schema.ts', text: () => schemaTable(DeviceProfileSchema) },
  { page: 'gateway.md', source: 'packages/gateway/src/gateway-config-schema.ts', text: () => schemaTable(GatewayConfigSchema) },
  { page: 'configuration.md', source: 'packages/server/src/server-config-schema.ts', text: () => schemaTable(ServerConfigSchema) },
  {
    page: 'configuration.md', source: 'packages/server/src/alarm-config-schema.ts',
    text: () => `${schemaTable(AlarmRuleSchema)}\n\n${alarmUnitsTable()}`,
  },
  { page: 'protection.md', source: 'packages/core/src/protocol/protection-settings.ts', text: () => schemaTable(ProtectionSettingsSchema) },
  { page: 'protection.md', source: 'packages/core/src/protocol/load-limit.ts', text: () => schemaTable(LoadLimitSchema) },
  { page: 'firmware.md', source: 'packages/secure/src/tuf/tuf-metadata-schema.ts', text: tufTables },
  { page: 'firmware.md', source: 'packages/agent/src/firmware/firmware-slots.ts', text: () => schemaTable(FirmwareSlotsSchema) },
  { page: 'firmware.md', source: 'packages/agent/src/firmware/firmware-bundle.ts', text: () => schemaTable(FirmwareBundleSchema) },
  { page: 'billing.md', source: 'packages/mdm/src/billing/tariff-schema.ts', text: () => schemaTable(TariffSchema) },
];

/** The `signed` part of each TUF metadata file, and one target file of a delegated role. */
function tufTables(): string {
  const tables = [['root.json', RootSignedSchema], ['targets.json and each delegated role', TargetsSignedSchema],
    ['a target file (`targets[path]`)', TargetFileSchema], ['snapshot.json', SnapshotSignedSchema],
    ['timestamp.json', TimestampSignedSchema]] as const;
  return tables.map(([name, schema]) => `#### ${name}\n\n${schemaTable(schema)}`).join('\n\n');
}

const end = '<!-- end of generated section -->';

/** `page` with its section of `section.source` replaced by the generated text; throws when the page has no such section. */
export function withSection(page: string, section: GeneratedSection): string {
  const begin = `<!-- generated from ${section.source} by \`npm run gen:docs\`; a test fails when it is out of date -->`;
  const from = page.indexOf(begin);
  const to = page.indexOf(end, from);
  if (from < 0 || to < 0) {
    throw new Error(`docs/${section.page} has no generated section for ${section.source}: expected the lines\n${begin}\n${end}`);
  }
  return `${page.slice(0, from + begin.length)}\n${section.text()}\n${page.slice(to)}`;
}
