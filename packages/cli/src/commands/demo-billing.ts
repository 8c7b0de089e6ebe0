// The demo's billing: the three sample tariffs in the billing store, and per demo meter an account and
// a service point with the meter installed, the account billed on one of the tariffs (spread over the
// three in turn). Idempotent: what a former start on the same data directory set up is left as it is,
// so a restarted demo neither duplicates nor fails. docs/billing.md ("Billing in the demo").
import { readFile } from 'node:fs/promises';
import type { MeterId } from '@phasewire/core';
import { parseTariff } from '@phasewire/mdm';
import { sampleTariffNames, sampleTariffsDir } from '@phasewire/mdm/node';
import type { BillingStore } from '@phasewire/store';

/** Who the demo's changes are audited as. */
export const demoActor = 'demo';
/** The demo's relations start here: before the sample tariffs' first day, so every period of the demo has data and a tariff. */
export const demoBillingFrom = Date.parse('2026-01-01T00:00:00Z');

export const demoAccountOf = (meter: string): string => meter.replace(/^demo-meter-/, 'demo-account-');
export const demoServicePointOf = (meter: string): string => meter.replace(/^demo-meter-/, 'demo-sp-');
/** The tariff of the demo's i-th meter: commercial ToU, residential tiered, industrial reactive, in turn. */
export const demoTariffOf = (i: number): string => sampleTariffNames[i % sampleTariffNames.length] ?? sampleTariffNames[0];

/** Sets the demo up in the billing store; answers the number of meters set up now (0 on a restart). */
export async function setUpDemoBilling(billing: BillingStore, meters: readonly MeterId[], cycleDay: number, now: number): Promise<number> {
  const stored = new Set((await billing.tariffVersions()).map((v) => `${v.tariffId}:${String(v.version)}`));
  for (const name of sampleTariffNames) {
    const text = await readFile(new URL(`${name}.json`, sampleTariffsDir), 'utf8');
    const document = JSON.parse(text) as unknown;
    const tariff = parseTariff(document, `${name}.json`);
    if (stored.has(`${tariff.id}:${String(tariff.version)}`)) continue;
    await billing.putTariffVersion({ tariffId: tariff.id, version: tariff.version, effectiveFrom: tariff.effectiveFrom,
      effectiveTo: tariff.effectiveTo ?? null, document: JSON.stringify(document), uploadedBy: demoActor, uploadedAt: now });
  }
  const [accounts, points, installations, links, assignments] = await Promise.all([billing.accounts(), billing.servicePoints(),
    billing.installations(), billing.servicePointLinks(), billing.tariffAssignments()]);
  let added = 0;
  for (const [i, meter] of meters.entries()) {
    const account = demoAccountOf(meter);
    const point = demoServicePointOf(meter);
    const span = { from: demoBillingFrom, to: null };
    let changed = false;
    if (!accounts.some((a) => a.id === account)) {
      await billing.putAccount({ id: account, name: `Demo customer ${meter.slice(-3)}`, cycle: { kind: 'monthly', day: cycleDay } },
        demoActor);
      changed = true;
    }
    if (!points.some((p) => p.id === point)) {
      await billing.putServicePoint({ id: point, name: `Demo site of ${meter}` }, demoActor);
      changed = true;
    }
    // Each relation only when the meter, the point or the account has none yet: one an operator made stays.
    if (!installations.some((x) => x.meter === meter || x.servicePoint === point)) {
      await billing.addInstallation({ servicePoint: point, meter, ...span }, demoActor);
      changed = true;
    }
    if (!links.some((l) => l.servicePoint === point)) {
      await billing.addServicePointLink({ account, servicePoint: point, ...span }, demoActor);
      changed = true;
    }
    if (!assignments.some((a) => a.account === account)) {
      await billing.addTariffAssignment({ account, tariffId: demoTariffOf(i), ...span }, demoActor);
      changed = true;
    }
    if (changed) added++;
  }
  return added;
}
