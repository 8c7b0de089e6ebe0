// Running charges of an account: its open billing period rated so far by the bill run's engine from
// the same intervals, never stored (mdm billing-runs/running-charges.ts). "Now" is the latest reading
// of the account's meters, at most the API's clock, as the meter page shows a meter.
import { runningCharges } from '@phasewire/mdm';
import { notFound } from '../api-errors.ts';
import { BillingIdParams, RunningCharges } from '../billing-dto.ts';
import type { ApiContext, ApiInstance } from './api-context.ts';
import { billingErrors, billingOf, ownMeters } from './routes-billing.ts';

const iso = (t: number): string => new Date(t).toISOString();

export function runningRoutes(app: ApiInstance, ctx: ApiContext): void {
  app.get('/api/v1/billing/accounts/:id/running', { schema: { tags: ['billing'],
    summary: 'Running charges: the open billing period rated up to the latest reading (an estimate, never stored, not a bill)',
    params: BillingIdParams, response: { 200: RunningCharges, ...billingErrors } } }, async (request) => {
    const billing = billingOf(ctx);
    const account = request.params.id;
    if (!(await billing.store.accounts()).some((a) => a.id === account)) throw notFound(`account ${JSON.stringify(account)}`);
    const deps = { billing: billing.store, meters: ctx.store };
    const running = await runningCharges(deps, account, ctx.clock.now(), billing.completenessLimit);
    if (running === undefined) throw notFound(`an open billing period of account ${JSON.stringify(account)} (no service point or tariff)`);
    if (!running.servicePoints.every((doc) => ownMeters(ctx, ctx.principalOf(request), doc.meters))) {
      throw notFound(`account ${JSON.stringify(account)}`);
    }
    return {
      estimate: true as const,
      note: `estimate of the open period ${running.period.start} to ${running.period.end} up to ${iso(running.asOf)}: `
        + 'not issued, not stored',
      account, cycle: running.cycle, tariffId: running.tariffId, period: running.period, soFar: running.soFar, asOf: iso(running.asOf),
      servicePoints: running.servicePoints.map((doc) => ({ servicePoint: doc.servicePoint, meters: doc.meters.map((i) => i.meter as string),
        total: { currency: doc.bill.total.currency, minor: doc.bill.total.minor },
        completeness: doc.bill.determinants.quality.completeness, lines: [...doc.bill.lines] })),
    };
  });
}
