// The readiness of `phasewire server` behind /readyz and `phasewire server status` (docs/operations.md):
// the store takes a write, the broker accepts a session, the MDM's runs are current, the keystore
// answers. Each check is bounded in time, so a hung peer turns the check to failing instead of
// hanging the probe; one round of checks runs at a time and its result serves the probes of the
// next second, so a flood of probes costs one store transaction per second at most.
import type { MdmService } from '@phasewire/mdm/node';
import type { Readiness, ReadinessCheck } from '@phasewire/api';
import { envelopeMasterLabel } from './data-directory.ts';
import type { ServerContext } from './phasewire-server.ts';
import { scrubSecrets } from './server-log.ts';

/** How long one check may take. */
export const checkTimeoutMs = 2000;
/** How long a round of checks answers later probes. */
const reuseMs = 1000;
/** Runs count as current while the last one finished within this many periods of the schedule (and at least a minute). */
const runPeriodsAllowed = 3;

type Check = () => Promise<{ ok: boolean; detail: string }>;

/**
 * Runs `check` within the bound. /readyz answers anyone, unauthenticated: a peer's error message (a
 * driver's, naming its connection string) is scrubbed of what looks like a secret before it is shown.
 */
export async function bounded(name: string, check: Check): Promise<ReadinessCheck> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<{ ok: boolean; detail: string }>((resolve) => {
    timer = setTimeout(() => { resolve({ ok: false, detail: `no answer within ${checkTimeoutMs} ms` }); }, checkTimeoutMs);
  });
  try {
    const result = await Promise.race([check().catch((error: unknown) => ({ ok: false, detail: (error as Error).message })), late]);
    return { name, state: result.ok ? 'ok' : 'failing', detail: scrubSecrets(result.detail) };
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the MDM's runs keep up: the last finished recently enough, or the first is not due yet. */
export function mdmCurrent(mdm: MdmService | undefined, enabled: boolean): { ok: boolean; detail: string } {
  if (!enabled) return { ok: true, detail: 'off (mdm.enabled is false)' };
  if (mdm === undefined) return { ok: false, detail: 'the MDM service is not running' };
  const status = mdm.status();
  const allowedMs = Math.max(runPeriodsAllowed * status.runEveryMs, 60_000);
  const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;
  if (status.runningForMs !== null && status.runningForMs <= allowedMs) {
    return { ok: true, detail: `a run under way for ${seconds(status.runningForMs)}` };
  }
  if (status.lastRun === null) {
    return status.upForMs <= allowedMs ? { ok: true, detail: `first run due (started ${seconds(status.upForMs)} ago)` }
      : { ok: false, detail: `no run has finished in ${seconds(status.upForMs)} since start; `
        + `expected one every ${seconds(status.runEveryMs)}` };
  }
  const { ageMs, meters, failures } = status.lastRun;
  if (status.runningForMs !== null && ageMs > allowedMs)
    return { ok: false, detail: `a run has been under way for ${seconds(status.runningForMs)}; the last finished ${seconds(ageMs)} ago` };
  const line = `last run finished ${seconds(ageMs)} ago over ${meters} meters${failures === 0 ? '' : `, ${failures} failed`}`;
  return ageMs <= allowedMs ? { ok: true, detail: line }
    : { ok: false, detail: `${line}; expected one every ${seconds(status.runEveryMs)} (allowed ${seconds(allowedMs)})` };
}

/** The readiness of the server in `context`, with the MDM service as the services have it now. */
export function serverReadiness(context: ServerContext, mdm: () => MdmService | undefined): () => Promise<Readiness> {
  const { config, store, headEnd, keystore } = context;
  const storeName = config.store.kind === 'sqlite' ? 'SQLite' : `PostgreSQL (schema ${config.store.schema})`;
  const checks: readonly [string, Check][] = [
    ['store', async () => { await store.checkWritable(); return { ok: true, detail: `${storeName} takes writes` }; }],
    ['broker', () => headEnd.brokerHealth()],
    ['mdm', () => Promise.resolve(mdmCurrent(mdm(), config.mdm.enabled))],
    ['keystore', async () => {
      const found = await keystore.find(envelopeMasterLabel);
      return found === undefined ? { ok: false, detail: `the ${keystore.kind} keystore answers but holds no envelope master secret` }
        : { ok: true, detail: `the ${keystore.kind} keystore answers` };
    }],
  ];
  let running: Promise<Readiness> | undefined;
  let last: { endedAt: number; result: Readiness } | undefined;
  return () => {
    if (running !== undefined) return running;
    if (last !== undefined && performance.now() - last.endedAt < reuseMs) return Promise.resolve(last.result);
    const round = Promise.all(checks.map(([name, check]) => bounded(name, check)))
      .then((list) => ({ ready: list.every((c) => c.state === 'ok'), checks: list }));
    running = round;
    void round.then((result) => { last = { endedAt: performance.now(), result }; running = undefined; });
    return round;
  };
}
