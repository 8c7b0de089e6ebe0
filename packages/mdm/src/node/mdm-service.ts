// The running MDM service: on the schedule (driven by the Clock port, looked at every `pollMs` of
// real time) and on demand (`runOnce`), for every meter with new data it runs VEE over the late-
// data window and writes the validated and final stages with their rules, runs the analytics of the
// new intervals into the alarm engine, watches silence and VEE failures, and commits the meter's
// watermark, alarm slots, alarms and transitions in one transaction; then it delivers the
// transitions (subscribers, notifiers through the store's outbox). store.maintain() and
// store.purge() run on their own periods. Everything goes through one queue, so runs,
// acknowledgements and maintenance never interleave. docs/analytics-and-alarms.md, "The service".
import { ConfigError, type Clock, type MeterId } from '@phasewire/core';
import type { AlarmConfig } from '../alarms/alarm-config.ts';
import { resolveAlarmSettings } from '../alarms/alarm-config.ts';
import type { AlarmNotifier } from '../alarms/notification.ts';
import { AlarmOutbox } from '../service/alarm-outbox.ts';
import type { RetryBackoff } from '../service/notifier-queue.ts';
import { createAlarmService, type AlarmService } from '../service/alarm-service.ts';
import { installationTime, meterMetadata, type MeterSetupConfig } from '../service/meter-setup.ts';
import { defaultProcessOptions, processMeter, type ProcessOptions } from '../service/process-meter.ts';
import { fleetSnapshots } from '../service/fleet-snapshots.ts';
import { serviceIntervalMs } from '../service/meter-setup.ts';
import { defaultSchedule, dueJobs, type MdmJob, type MdmSchedule } from '../service/schedule.ts';
import type { VeeParameters } from '../vee/parameters.ts';
import type { MaintenanceReport, MeterStore, PurgeReport } from '@phasewire/store';
import { systemClock } from '@phasewire/store/node';

export interface MdmServiceOptions {
  readonly store: MeterStore;
  /** The service's time (default the system clock); a simulation passes its own. */
  readonly clock?: Clock;
  /** Alarm thresholds per meter and group (mdm/alarms/alarm-config.ts). */
  readonly alarms?: AlarmConfig;
  /** Metadata per meter: Udin, CT ratio, Imax, register modulus, alarm groups (mdm/service/meter-setup.ts). */
  readonly meters?: MeterSetupConfig;
  readonly notifiers?: readonly AlarmNotifier[];
  /** How a failing notifier's retries back off (default 1 s doubling up to 5 min, mdm/service/notifier-queue.ts). */
  readonly notifyBackoff?: RetryBackoff;
  readonly schedule?: Partial<MdmSchedule>;
  /** How far back each run re-validates for late data (default 2 days). */
  readonly lateWindowMs?: number;
  /** Weeks of history for the VEE profiles (default 4). */
  readonly historyWeeks?: number;
  /** How far back a meter's first run feeds the alarms (default 6 h). */
  readonly analysisBacklogMs?: number;
  readonly veeParameters?: Partial<VeeParameters>;
  /** Start the schedule's timer (default true); tests drive `runOnce` instead. */
  readonly timer?: boolean;
  /** Failures that do not stop the service (one meter's run, a notifier, maintenance). */
  readonly onError?: (error: unknown, context: string) => void;
}

export interface MdmRunReport {
  /** The time the run judged up to. */
  readonly upTo: number;
  readonly meters: number;
  /** Meters whose data had changed since their last run. */
  readonly processed: number;
  readonly intervalsWritten: number;
  readonly transitions: number;
  readonly failures: readonly { readonly meter: MeterId; readonly message: string }[];
}

/** What the service has done since it started: the server's readiness and metrics read it (docs/operations.md). */
export interface MdmStatus {
  /** Real time since the service started, ms. */
  readonly upForMs: number;
  /** The schedule's period of runs, on the service's clock. */
  readonly runEveryMs: number;
  readonly runs: number;
  /**
   * The last run that finished: the time it judged up to (service clock), how long it took and how
   * long ago it finished (real time).
   */
  readonly lastRun: {
    readonly upTo: number; readonly durationMs: number; readonly ageMs: number; readonly meters: number; readonly failures: number;
  } | null;
  /** Real time the run under way has taken so far, or null. */
  readonly runningForMs: number | null;
  /** Interval values written since start, by the VEE rule that made each (`VEE`: passed every rule). */
  readonly writtenByRule: ReadonlyMap<string, number>;
  /** Meters whose run failed, since start. */
  readonly meterFailures: number;
}

export interface MdmService {
  /** What the service has done since it started. */
  status(): MdmStatus;
  /** One run over every meter, judging up to `upTo` (default the clock's now). */
  runOnce(upTo?: number): Promise<MdmRunReport>;
  maintain(): Promise<MaintenanceReport>;
  purge(): Promise<PurgeReport>;
  /** Delivers undelivered notifications now; resolves to how many were delivered. */
  flushNotifications(): Promise<number>;
  readonly alarms: AlarmService;
  /** Stops the timer and waits for the work under way. The store stays open (it is the caller's). */
  stop(): Promise<void>;
}

function checkPositive(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new ConfigError('PW_ERR_MDM_CONFIG',
      `Cannot start the MDM service: ${name} is ${value}, expected a positive whole number of milliseconds`);
}

function checkMeters(config: MeterSetupConfig): void {
  for (const [name, setup] of [['defaults', config.defaults] as const, ...Object.entries(config.meters ?? {})]) {
    for (const field of ['nominalVoltage', 'nominalFrequency', 'ctRatio', 'maxCurrent', 'registerModulus'] as const) {
      const value = setup?.[field];
      if (value !== undefined && !(Number.isFinite(value) && value > 0))
        throw new ConfigError('PW_ERR_MDM_CONFIG',
          `Cannot start the MDM service: meter setup ${name} has ${field} ${value}, expected a positive number`);
    }
    const installed = setup?.installedAt;
    if (installed !== undefined && (typeof installed !== 'string' || installationTime(installed) === null)) {
      const found = JSON.stringify(installed);
      throw new ConfigError('PW_ERR_MDM_CONFIG',
        `Cannot start the MDM service: meter setup ${name} has installedAt ${found}, expected an ISO 8601 time with a zone`);
    }
  }
}

export function startMdmService(options: MdmServiceOptions): MdmService {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const schedule: MdmSchedule = { ...defaultSchedule, ...options.schedule };
  for (const name of ['runEveryMs', 'maintainEveryMs', 'purgeEveryMs', 'pollMs'] as const)
    checkPositive(`schedule.${name}`, schedule[name]);
  const meters = options.meters ?? {};
  checkMeters(meters);
  const alarms = options.alarms ?? {};
  resolveAlarmSettings(alarms, 'defaults', []); // a bad default fails here, not at the first run
  const processOptions: ProcessOptions = {
    alarms,
    lateWindowMs: options.lateWindowMs ?? defaultProcessOptions.lateWindowMs,
    historyWeeks: options.historyWeeks ?? defaultProcessOptions.historyWeeks,
    analysisBacklogMs: options.analysisBacklogMs ?? defaultProcessOptions.analysisBacklogMs,
    ...(options.veeParameters === undefined ? {} : { veeParameters: options.veeParameters }),
  };
  checkPositive('lateWindowMs', processOptions.lateWindowMs);
  checkPositive('analysisBacklogMs', processOptions.analysisBacklogMs);
  const onError = options.onError ?? (() => undefined);
  const outbox = new AlarmOutbox(store, options.notifiers ?? [], {
    onError,
    // A notifier's retry waits in real time, whatever the service's clock (a demo's runs faster).
    schedule: (ms, task) => {
      const timer = setTimeout(task, ms).unref();
      return () => { clearTimeout(timer); };
    },
    ...(options.notifyBackoff === undefined ? {} : { backoff: options.notifyBackoff }),
  });

  let queue: Promise<unknown> = Promise.resolve();
  const serialize = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const startedAt = performance.now();
  const counts = { runs: 0, meterFailures: 0, writtenByRule: new Map<string, number>() };
  let lastRun: { upTo: number; durationMs: number; finishedAt: number; meters: number; failures: number } | null = null;
  let running: number | null = null;
  const run = async (upTo: number): Promise<MdmRunReport> => {
    const began = performance.now();
    running = began;
    try {
      const report = await runMeters(upTo);
      counts.runs++;
      counts.meterFailures += report.failures.length;
      const finishedAt = performance.now();
      lastRun = { upTo, durationMs: finishedAt - began, finishedAt, meters: report.meters, failures: report.failures.length };
      return report;
    } finally {
      running = null;
    }
  };
  const runMeters = async (upTo: number): Promise<MdmRunReport> => {
    const watermarks = new Map((await store.mdmWatermarks()).map((w) => [w.meter, w]));
    const ids = await store.meterIds();
    let processed = 0;
    let intervalsWritten = 0;
    let transitions = 0;
    const failures: { meter: MeterId; message: string }[] = [];
    const snapshots = fleetSnapshots(store, serviceIntervalMs);
    for (const meter of ids) {
      try {
        const result = await processMeter(store, meterMetadata(meter, meters), watermarks.get(meter), upTo, processOptions, snapshots);
        const seqs = await store.commitMdm(result.commit);
        outbox.publish(result.commit.transitions.map((t, i) => ({ ...t, seq: seqs[i] ?? 0, notified: false })));
        if (result.processed) processed++;
        intervalsWritten += result.intervalsWritten;
        for (const [rule, n] of result.writtenByRule) counts.writtenByRule.set(rule, (counts.writtenByRule.get(rule) ?? 0) + n);
        transitions += seqs.length;
      } catch (error) {
        failures.push({ meter, message: (error as Error).message });
        onError(error, `running VEE, analytics and alarms for meter ${meter}`);
      }
    }
    // Not awaited: a slow or failing notifier must not hold the runs and acknowledgements behind it
    // (each notifier has its own queue; flushNotifications waits for them).
    void outbox.flush();
    return { upTo, meters: ids.length, processed, intervalsWritten, transitions, failures };
  };

  const service: MdmService = {
    status: () => {
      const now = performance.now();
      const last = lastRun === null ? null : {
        upTo: lastRun.upTo, durationMs: lastRun.durationMs, ageMs: now - lastRun.finishedAt, meters: lastRun.meters,
        failures: lastRun.failures,
      };
      return {
        upForMs: now - startedAt, runEveryMs: schedule.runEveryMs, runs: counts.runs, lastRun: last,
        runningForMs: running === null ? null : now - running, writtenByRule: new Map(counts.writtenByRule),
        meterFailures: counts.meterFailures,
      };
    },
    runOnce: (upTo = clock.now()) => serialize(() => run(upTo)),
    maintain: () => serialize(() => store.maintain()),
    purge: () => serialize(() => store.purge()),
    flushNotifications: () => outbox.flush(),
    alarms: createAlarmService({ store, clock, alarms, meters, outbox, serialize }),
    stop: async () => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      // The notifiers first: a try under way (a webhook's retries, a publish waiting for its
      // PUBACK) is aborted, so that a receiver that is down cannot hold the stop. What a notifier
      // has not taken stays behind its cursor for the next start.
      await outbox.close();
      await queue;
    },
  };

  // The schedule: each job once per period of the service's clock (mdm/service/schedule.ts).
  const last: Record<MdmJob, number | null> = { run: null, maintain: null, purge: null };
  let busy = false;
  const tick = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const now = clock.now();
      for (const job of dueJobs(last, now, schedule)) {
        last[job] = now;
        try {
          if (job === 'run') await service.runOnce(now);
          else if (job === 'maintain') await service.maintain();
          else await service.purge();
        } catch (error) {
          onError(error, `the scheduled ${job} job`);
        }
      }
    } finally {
      busy = false;
    }
  };
  // unref: the service alone does not keep the process alive (the server's listeners do).
  let timer: ReturnType<typeof setInterval> | undefined =
    options.timer === false ? undefined : setInterval(() => { void tick(); }, schedule.pollMs).unref();
  // Notifications left undelivered by an earlier process go out now.
  void outbox.flush();
  return service;
}
