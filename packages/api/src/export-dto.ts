// The query strings of the export routes (Green Button, CSV, PDF): TypeBox schemas, the contract the
// OpenAPI document shows. Times are ISO 8601; the zone is an IANA name (the customer's local days).
import { Type, type Static } from 'typebox';

const isoTime = Type.String({ format: 'date-time', description: 'ISO 8601 time' });

export const ExportQuery = Type.Object({
  from: Type.Optional(isoTime),
  to: Type.Optional(isoTime),
  tz: Type.Optional(Type.String({ maxLength: 64, description: 'IANA time zone of the local times and days (default UTC)' })),
});
export type ExportQuery = Static<typeof ExportQuery>;
