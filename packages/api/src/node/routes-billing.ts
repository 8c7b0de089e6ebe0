// Billing: tariffs (list, upload a version), accounts, service points, meter installations and
// exchanges, tariff assignments. Bill runs and bills are in routes-bills.ts. Every change is in the
// billing audit log (the store writes it in the change's own transaction) with the caller as actor.
import { Type } from 'typebox';
import { ConfigError, parseMeterId, ValidationError } from '@phasewire/core';
import { parseTariff } from '@phasewire/mdm';
import { overlaps, type BillingStore, type Effective } from '@phasewire/store';
import type { ApiPrincipal } from '../access.ts';
import { actorOf } from '../access.ts';
import { ApiFieldError, notFound } from '../api-errors.ts';
import {
  AccountBody, AccountList, AssignmentBody, BillingIdParams, ExchangeBody, InstallationBody, LinkBody, ServicePointBody, ServicePointList,
  TariffDetail, TariffList, TariffUploadBody, TariffVersionDto, type TariffVersionDto as TariffVersion,
} from '../billing-dto.ts';
import { ErrorBody } from '../dto.ts';
import type { ApiContext, ApiInstance } from './api-context.ts';
import { billRoutes } from './routes-bills.ts';

export const billingErrors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody,
  429: ErrorBody };
const iso = (t: number): string => new Date(t).toISOString();
export const spanDto = (e: Effective): { from: string; to: string | null } => ({ from: iso(e.from), to: e.to === null ? null : iso(e.to) });
const spanOf = (body: { from: string; to?: string | null | undefined }): Effective =>
  ({ from: Date.parse(body.from), to: body.to === undefined || body.to === null ? null : Date.parse(body.to) });

/** The billing store, or 404 when the server runs without billing. */
export function billingOf(ctx: ApiContext): NonNullable<ApiContext['billing']> {
  if (ctx.billing === undefined) throw notFound('billing: this server runs without it (server configuration `billing`)');
  return ctx.billing;
}

/**
 * Whether the caller may read a bill (or running charges) of these meters: every one is of the caller's tenant. A bill
 * holds its meters' interval data and a customer's money; the accounts model is shared, so without this a billing clerk
 * of one tenant read another tenant's bills and, through the exports, its meters' intervals. A document of no meter
 * (a supply with none installed) names no tenant and stays readable.
 */
export function ownMeters(ctx: ApiContext, principal: ApiPrincipal, meters: readonly { readonly meter: string }[]): boolean {
  return meters.every((m) => {
    try {
      ctx.meterOf(principal, m.meter);
      return true;
    } catch {
      return false;
    }
  });
}

/** `field components[0].rate is …` in a tariff error → `/body/components/0/rate`. */
export function tariffField(message: string): string {
  const path = /field (\S+) is/.exec(message)?.[1] ?? '(root)';
  if (path === '(root)') return '/body';
  return `/body/${path.replace(/\[(\d+)\]/g, '.$1').replace(/\["([^"]*)"\]/g, '.$1').split('.').filter((p) => p !== '').join('/')}`;
}

function versionDto(v: Awaited<ReturnType<BillingStore['tariffVersions']>>[number]): TariffVersion {
  const doc = JSON.parse(v.document) as { name?: string; currency?: string; timeZone?: string };
  return { tariffId: v.tariffId, version: v.version, name: doc.name ?? '', currency: doc.currency ?? '', timeZone: doc.timeZone ?? '',
    effectiveFrom: v.effectiveFrom, effectiveTo: v.effectiveTo, uploadedBy: v.uploadedBy, uploadedAt: iso(v.uploadedAt) };
}

export function billingRoutes(app: ApiInstance, ctx: ApiContext): void {
  const actor = (principal: ApiPrincipal): string => actorOf(principal);

  app.get('/api/v1/billing/tariffs', { schema: { tags: ['billing'], summary: 'Every version of every tariff',
    response: { 200: TariffList, ...billingErrors } } }, async () =>
    ({ items: (await billingOf(ctx).store.tariffVersions()).map(versionDto) }));

  app.get('/api/v1/billing/tariffs/:id', { schema: { tags: ['billing'], summary: 'The versions of one tariff with their documents',
    params: BillingIdParams, response: { 200: TariffDetail, ...billingErrors } } }, async (request) => {
    const versions = await billingOf(ctx).store.tariffVersions(request.params.id);
    if (versions.length === 0) throw notFound(`tariff ${JSON.stringify(request.params.id)}`);
    return { items: versions.map((v) => ({ version: versionDto(v), document: JSON.parse(v.document) as unknown })) };
  });

  app.post('/api/v1/billing/tariffs', { schema: { tags: ['billing'], summary: 'Upload a tariff version (validated; 400 names the field)',
    body: TariffUploadBody, response: { 201: TariffVersionDto, ...billingErrors } } }, async (request, reply) => {
    const principal = ctx.principalOf(request);
    let tariff;
    try {
      tariff = parseTariff(request.body, 'the request body');
    } catch (error) {
      if (error instanceof ConfigError) throw new ApiFieldError(tariffField(error.message), error.message, error.code, { cause: error });
      throw error;
    }
    const record = { tariffId: tariff.id, version: tariff.version, effectiveFrom: tariff.effectiveFrom,
      effectiveTo: tariff.effectiveTo ?? null,
      document: JSON.stringify(request.body), uploadedBy: actor(principal), uploadedAt: ctx.clock.now() };
    await billingOf(ctx).store.putTariffVersion(record);
    const stored = (await billingOf(ctx).store.tariffVersions(tariff.id)).find((v) => v.version === tariff.version) ?? record;
    return reply.code(201).send(versionDto(stored));
  });

  app.get('/api/v1/billing/accounts', { schema: { tags: ['billing'], summary: 'Accounts with their service points and tariffs over time',
    response: { 200: AccountList, ...billingErrors } } }, async () => {
    const store = billingOf(ctx).store;
    const [accounts, links, assignments] = await Promise.all([store.accounts(), store.servicePointLinks(), store.tariffAssignments()]);
    return { items: accounts.map((a) => ({ id: a.id, name: a.name, cycleDay: a.cycle.day,
      servicePoints: links.filter((l) => l.account === a.id).map((l) => ({ servicePoint: l.servicePoint, ...spanDto(l) })),
      tariffs: assignments.filter((t) => t.account === a.id).map((t) => ({ tariffId: t.tariffId, ...spanDto(t) })) })) };
  });

  app.put('/api/v1/billing/accounts/:id', { schema: { tags: ['billing'], summary: 'Create or rename an account, set its cycle day',
    params: BillingIdParams, body: AccountBody, response: { 204: Type.Null(), ...billingErrors } } }, async (request, reply) => {
    await billingOf(ctx).store.putAccount({ id: request.params.id, name: request.body.name,
      cycle: { kind: 'monthly', day: request.body.cycleDay ?? billingOf(ctx).defaultCycleDay ?? 1 } }, actor(ctx.principalOf(request)));
    return reply.code(204).send(null);
  });

  app.post('/api/v1/billing/accounts/:id/service-points', { schema: { tags: ['billing'],
    summary: 'Supply a service point under the account from a time (to a time)', params: BillingIdParams, body: LinkBody,
    response: { 204: Type.Null(), ...billingErrors } } }, async (request, reply) => {
    await billingOf(ctx).store.addServicePointLink({ account: request.params.id, servicePoint: request.body.servicePoint,
      ...spanOf(request.body) }, actor(ctx.principalOf(request)));
    return reply.code(204).send(null);
  });

  app.post('/api/v1/billing/accounts/:id/tariffs', { schema: { tags: ['billing'],
    summary: 'Bill the account on a tariff from a time (its version is chosen by date)', params: BillingIdParams, body: AssignmentBody,
    response: { 204: Type.Null(), ...billingErrors } } }, async (request, reply) => {
    await billingOf(ctx).store.addTariffAssignment({ account: request.params.id, tariffId: request.body.tariffId, ...spanOf(request.body) },
      actor(ctx.principalOf(request)));
    return reply.code(204).send(null);
  });

  app.get('/api/v1/billing/service-points', { schema: { tags: ['billing'], summary: 'Service points with their meters over time',
    response: { 200: ServicePointList, ...billingErrors } } }, async () => {
    const store = billingOf(ctx).store;
    const [points, installations] = await Promise.all([store.servicePoints(), store.installations()]);
    return { items: points.map((p) => ({ id: p.id, name: p.name,
      installations: installations.filter((i) => i.servicePoint === p.id).map((i) => ({ meter: i.meter, ...spanDto(i) })) })) };
  });

  app.put('/api/v1/billing/service-points/:id', { schema: { tags: ['billing'], summary: 'Create or rename a service point',
    params: BillingIdParams, body: ServicePointBody, response: { 204: Type.Null(), ...billingErrors } } }, async (request, reply) => {
    await billingOf(ctx).store.putServicePoint({ id: request.params.id, name: request.body.name }, actor(ctx.principalOf(request)));
    return reply.code(204).send(null);
  });

  app.post('/api/v1/billing/service-points/:id/installations', { schema: { tags: ['billing'],
    summary: 'Install a meter of my tenant at the service point from a time', params: BillingIdParams, body: InstallationBody,
    response: { 204: Type.Null(), ...billingErrors } } }, async (request, reply) => {
    const principal = ctx.principalOf(request);
    const meter = ctx.meterOf(principal, request.body.meter).id;
    await billingOf(ctx).store.addInstallation({ servicePoint: request.params.id, meter, ...spanOf(request.body) }, actor(principal));
    return reply.code(204).send(null);
  });

  app.post('/api/v1/billing/service-points/:id/exchange', { schema: { tags: ['billing'],
    summary: 'Exchange the service point\'s meter at a time: the old one\'s installation ends where the new one\'s begins',
    params: BillingIdParams, body: ExchangeBody, response: { 204: Type.Null(), ...billingErrors } } }, async (request, reply) => {
    const principal = ctx.principalOf(request);
    const store = billingOf(ctx).store;
    const removed = ctx.meterOf(principal, request.body.removed).id;
    const installed = ctx.meterOf(principal, request.body.installed).id;
    const at = Date.parse(request.body.at);
    // Two writes: the new meter's installation is checked first, or a refusal of it (the meter is installed elsewhere) came
    // after the old one had ended, and left the service point with no meter from `at`.
    const clash = (await store.installations()).find((i) => i.meter === installed && overlaps(i, { from: at, to: null })
      && !(i.meter === removed && i.servicePoint === request.params.id && i.to === null));
    if (clash !== undefined) {
      throw new ValidationError('PW_ERR_BILLING_OVERLAP', `Cannot exchange meter ${removed} for ${installed} at service point `
        + `${request.params.id} at ${request.body.at}: expected ${installed} free from then, found it installed at service point `
        + `${clash.servicePoint} from ${iso(clash.from)}${clash.to === null ? '' : ` to ${iso(clash.to)}`}`);
    }
    await store.endInstallation(request.params.id, parseMeterId(removed), at, actor(principal));
    await store.addInstallation({ servicePoint: request.params.id, meter: installed, from: at, to: null }, actor(principal));
    return reply.code(204).send(null);
  });

  billRoutes(app, ctx);
}
