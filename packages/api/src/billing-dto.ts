// The billing API's data transfer objects (routes-billing.ts): TypeBox schemas for the OpenAPI
// document and their static types for the dashboard. Times are ISO-8601 UTC strings; money is
// integer minor units with its currency; a bill's lines and determinants are the billing engine's
// own (packages/mdm/src/billing/types.ts), passed through as JSON objects.
import { Type } from 'typebox';
import type { Static, TSchema } from 'typebox';

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const isoTime = Type.String({ description: 'ISO-8601 UTC time', format: 'date-time' });
const id = (what: string) => Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: what });
export const Cycle = Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$', description: 'a billing cycle, YYYY-MM' });

export const BillingIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
export const CycleParams = Type.Object({ cycle: Cycle });

export const TariffVersionDto = Type.Object({
  tariffId: Type.String(), version: Type.Integer(), name: Type.String(), currency: Type.String(), timeZone: Type.String(),
  effectiveFrom: Type.String(), effectiveTo: nullable(Type.String()), uploadedBy: Type.String(), uploadedAt: isoTime,
});
export type TariffVersionDto = Static<typeof TariffVersionDto>;
export const TariffList = Type.Object({ items: Type.Array(TariffVersionDto) });
export const TariffDetail = Type.Object({ items: Type.Array(Type.Object({ version: TariffVersionDto, document: Type.Unknown() })) });
/** A tariff version as its file: validated by the tariff schema (docs/billing.md), answered 400 with the field. */
export const TariffUploadBody = Type.Unknown({ description: 'one tariff version, as a tariff file (docs/billing.md)' });

const Span = { from: isoTime, to: Type.Optional(nullable(isoTime)) };
export const AccountBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  cycleDay: Type.Optional(Type.Integer({ minimum: 1, maximum: 28,
    description: 'the local day of each month a billing period starts (default: the server\'s billing.cycleDay)' })),
}, { additionalProperties: false });
export const LinkBody = Type.Object({ servicePoint: id('a service point id'), ...Span }, { additionalProperties: false });
export const AssignmentBody = Type.Object({ tariffId: id('a tariff id'), ...Span }, { additionalProperties: false });
export const ServicePointBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export const InstallationBody = Type.Object({ meter: Type.String({ minLength: 1, maxLength: 64 }), ...Span },
  { additionalProperties: false });
export const ExchangeBody = Type.Object({
  removed: Type.String({ minLength: 1, maxLength: 64, description: 'the meter taken out' }),
  installed: Type.String({ minLength: 1, maxLength: 64, description: 'the meter put in' }),
  at: isoTime,
}, { additionalProperties: false });

const SpanDto = { from: isoTime, to: nullable(isoTime) };
export const AccountDto = Type.Object({
  id: Type.String(), name: Type.String(), cycleDay: Type.Integer(),
  servicePoints: Type.Array(Type.Object({ servicePoint: Type.String(), ...SpanDto })),
  tariffs: Type.Array(Type.Object({ tariffId: Type.String(), ...SpanDto })),
});
export type AccountDto = Static<typeof AccountDto>;
export const AccountList = Type.Object({ items: Type.Array(AccountDto) });
export const ServicePointDto = Type.Object({
  id: Type.String(), name: Type.String(), installations: Type.Array(Type.Object({ meter: Type.String(), ...SpanDto })),
});
export const ServicePointList = Type.Object({ items: Type.Array(ServicePointDto) });

export const RunBody = Type.Object({ cycle: Cycle }, { additionalProperties: false });
export const RunDto = Type.Object({
  cycle: Type.String(), pass: Type.Integer(), state: Type.Union([Type.Literal('running'), Type.Literal('finished')]),
  total: Type.Integer(), done: Type.Integer(), startedBy: Type.String(), startedAt: isoTime, finishedAt: nullable(isoTime),
  counts: Type.Object({ created: Type.Integer(), held: Type.Integer(), rerated: Type.Integer(), corrected: Type.Integer(),
    unchanged: Type.Integer(), skipped: Type.Integer() }),
});
export type RunDto = Static<typeof RunDto>;
export const RunList = Type.Object({ items: Type.Array(RunDto) });

const BillKind = Type.Union([Type.Literal('bill'), Type.Literal('cancellation'), Type.Literal('difference')]);
const BillStatus = Type.Union([Type.Literal('draft'), Type.Literal('held'), Type.Literal('issued')]);
export const BillSummary = Type.Object({
  id: Type.String(), cycle: Type.String(), account: Type.String(), servicePoint: Type.String(), kind: BillKind, status: BillStatus,
  replaces: nullable(Type.String()), correction: nullable(Type.String()),
  total: Type.Object({ currency: Type.String(), minor: Type.Integer() }),
  hold: nullable(Type.String({ description: 'why the bill is held for review' })), createdAt: isoTime, issuedAt: nullable(isoTime),
  issuedBy: nullable(Type.String()),
});
export type BillSummary = Static<typeof BillSummary>;
export const BillList = Type.Object({ items: Type.Array(BillSummary), nextCursor: nullable(Type.String()) });
export const BillListParams = Type.Object({
  cycle: Type.Optional(Cycle), account: Type.Optional(Type.String({ maxLength: 64 })), status: Type.Optional(BillStatus),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), cursor: Type.Optional(Type.String({ maxLength: 200 })),
}, { additionalProperties: false });
export const BillDetail = Type.Object({
  ...BillSummary.properties,
  meters: Type.Array(Type.Object({ meter: Type.String(), ...SpanDto })),
  period: Type.Object({ start: Type.String(), end: Type.String() }),
  tariffId: Type.String(), tariffVersions: Type.Array(Type.Integer()),
  lines: Type.Array(Type.Unknown(), { description: 'bill lines (BillLine): component, quantity, unit, rate, amount, determinant' }),
  determinants: Type.Unknown({ description: 'the determinants (Determinants): per part, ToU buckets, demand, quality' }),
});
export const BillIntervalsParams = Type.Object({
  determinant: Type.String({ minLength: 1, maxLength: 100, description: 'a determinant id of the bill, as a line names it' }),
}, { additionalProperties: false });
export const BillIntervals = Type.Object({
  determinant: Type.String(),
  points: Type.Array(Type.Object({ end: isoTime, meter: Type.String(), importWh: nullable(Type.Number()), quality: Type.String() })),
});
export const RebillAnswer = Type.Object({
  outcome: Type.String({ description: 'unchanged, rerated or corrected' }), documents: Type.Array(BillSummary),
});
export const BillingAuditParams = Type.Object({
  subject: Type.Optional(Type.String({ maxLength: 200 })), after: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
}, { additionalProperties: false });
export const BillingAuditList = Type.Object({
  items: Type.Array(Type.Object({ seq: Type.Integer(), at: isoTime, actor: Type.String(), action: Type.String(), subject: Type.String(),
    detail: Type.Unknown() })),
});
export const RunningCharges = Type.Object({
  estimate: Type.Literal(true, { description: 'always true: an estimate of an open period, never stored, not a bill' }),
  note: Type.String(),
  account: Type.String(), cycle: Type.String(), tariffId: Type.String(),
  period: Type.Object({ start: Type.String(), end: Type.String() }, { description: 'the whole billing period (local dates)' }),
  soFar: Type.Object({ start: Type.String(), end: Type.String() }, { description: 'the period rated: its first day to the end of today' }),
  asOf: isoTime,
  servicePoints: Type.Array(Type.Object({
    servicePoint: Type.String(), meters: Type.Array(Type.String()),
    total: Type.Object({ currency: Type.String(), minor: Type.Integer() }),
    completeness: Type.Number({ description: 'share of the period so far with data' }),
    lines: Type.Array(Type.Unknown(), { description: 'bill lines (BillLine)' }),
  })),
});
export type RunningCharges = Static<typeof RunningCharges>;
