// When the MDM service's jobs are due. Each job runs once per period of its own, aligned to the
// clock's grid (a 15-minute job at :00, :15 …), so a restart does not shift the schedule and a clock
// that jumps (a simulation running faster than real time) runs each job once per jump, not once per
// period skipped. Pure: the times go in, the due jobs come out.

export type MdmJob = 'run' | 'maintain' | 'purge';
export const mdmJobs: readonly MdmJob[] = ['run', 'maintain', 'purge'];

export interface MdmSchedule {
  /** VEE, analytics and alarms for meters with new data (default every minute). */
  readonly runEveryMs: number;
  /** store.maintain(): compaction, partitions (default every 5 minutes). */
  readonly maintainEveryMs: number;
  /** store.purge(): retention (default once a day). */
  readonly purgeEveryMs: number;
  /** How often the service looks at the clock, in real time (default 1 s). */
  readonly pollMs: number;
}

export const defaultSchedule: MdmSchedule = { runEveryMs: 60_000, maintainEveryMs: 300_000, purgeEveryMs: 86_400_000, pollMs: 1000 };

export type LastRuns = { readonly [J in MdmJob]: number | null };

const everyOf = (schedule: MdmSchedule, job: MdmJob): number =>
  job === 'run' ? schedule.runEveryMs : job === 'maintain' ? schedule.maintainEveryMs : schedule.purgeEveryMs;

/** The jobs due at `now`: never run, or the clock has entered a new period of the job since its last run. */
export function dueJobs(last: LastRuns, now: number, schedule: MdmSchedule): MdmJob[] {
  return mdmJobs.filter((job) => {
    const previous = last[job];
    const every = everyOf(schedule, job);
    return previous === null || Math.floor(now / every) > Math.floor(previous / every);
  });
}
