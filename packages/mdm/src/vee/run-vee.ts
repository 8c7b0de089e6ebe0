// The VEE pipeline for one register channel of one meter: reads in, final interval energies out,
// each with its quality and the provenance of every change. The order is fixed:
//   1. read checks (future, grid, duplicates, clock drift);
//   2. the register chain (rollover, exchange, bad reads, implausible jumps);
//   3. intervals from the chain; gaps where a step spans several intervals;
//   4. interval rules (limits, spikes, disconnected, phase sum); survivors become `validated`;
//   5. estimation of every missing run, scaled to the register delta across it when known;
//   6. per day, the intervals' sum against the register delta (VEE-INTERVAL-REGISTER).
// The run is a pure function of its input: run it again with late data and `reconcile` the two.
import type { Finding, FinalInterval, MeterMetadata, PastInterval, RegisterRead } from '../types.ts';
import { dayMs, intervalEnds, iso, requireInterval, requireRange } from '../grid.ts';
import { estimateRun } from '../estimation/estimate-gap.ts';
import { completenessOf, type Completeness } from '../completeness.ts';
import { veeParameters, type VeeParameters } from './parameters.ts';
import { checkReads, type CheckedReads } from './read-checks.ts';
import { buildRegisterChain, type RegisterChain, type RegisterStep } from './register-chain.ts';
import { checkDisconnected, checkLimits, checkSpikes } from './interval-rules.ts';
import { checkPhaseSum, type PhaseRegisters } from './phase-sum.ts';
import { checkIntervalRegister } from './interval-register.ts';
import { WeekdayProfile } from './weekday-profile.ts';
import { suspect, type WorkingInterval } from './working-interval.ts';

export interface VeeInput {
  readonly meta: MeterMetadata;
  /** Reads of the channel's register, in any order; include the read at `from` and any after `to`. */
  readonly reads: readonly RegisterRead[];
  /** The run returns the intervals ending in (from, to]; both on the grid. */
  readonly from: number;
  readonly to: number;
  /** The clock value of the run. */
  readonly now: number;
  /** Final intervals of earlier runs, for the profiles (spikes, like days). */
  readonly history?: readonly PastInterval[];
  readonly phaseRegisters?: PhaseRegisters;
  readonly parameters?: Partial<VeeParameters>;
  /**
   * When the meter's data begins: its installation, or else its first register read. An interval
   * that ends at or before the grid point at or before it is not the meter's: it is neither
   * returned nor estimated (a new meter has no history to fill in).
   */
  readonly startsAt?: number;
}

export interface DayResult {
  /** Start of the UTC day. */
  readonly day: number;
  /** Sum of the day's final values, Wh; null while an interval is missing. */
  readonly energy: number | null;
  /** The register's energy over the day (trusted reads at both midnights), Wh; null when unknown. */
  readonly registerDelta: number | null;
  readonly completeness: Completeness;
}

export interface VeeResult {
  readonly intervals: readonly FinalInterval[];
  readonly findings: readonly Finding[];
  /** The UTC days that lie wholly in (from, to]. */
  readonly days: readonly DayResult[];
}

export function runVee(input: VeeInput): VeeResult {
  const { meta } = input;
  const step = meta.intervalMs;
  requireInterval(step);
  requireRange('run VEE', input.from, input.to, step);
  const p = veeParameters(input.parameters);
  const findings: Finding[] = [];
  const from = input.startsAt === undefined ? input.from : Math.max(input.from, Math.floor(input.startsAt / step) * step);
  if (from >= input.to) return { intervals: [], findings: [], days: [] };

  const checked = checkReads(input.reads, step, input.now, p);
  findings.push(...checked.findings);
  const chain = buildRegisterChain(checked.reads, meta, p);
  findings.push(...chain.findings);

  // Work on every interval of the steps that reach into the range, so that a gap across the range's
  // edge is estimated as a whole against its register delta.
  const straddles = (s: RegisterStep, t: number): boolean => s.from < t && s.to > t;
  const workFrom = Math.min(from, chain.steps.find((s) => straddles(s, from))?.from ?? from);
  const workTo = Math.max(input.to, chain.steps.find((s) => straddles(s, input.to))?.to ?? input.to);
  const work = intervalsFromChain(checked, chain, workFrom, workTo, step, findings);

  const ordered = [...work.intervals.values()];
  for (const interval of ordered) {
    if (interval.value === null) continue;
    if (checked.suspectTimes.has(interval.at) || checked.suspectTimes.has(interval.at - step)) {
      findings.push(suspect(interval, 'VEE-CLOCK-DRIFT', 'a read at either end of the interval has a doubtful time (meter clock drift)'));
    }
  }
  const profile = new WeekdayProfile();
  profile.add(input.history ?? []);
  profile.add(ordered.filter((i) => i.value !== null && (i.quality === 'measured' || i.quality === 'validated')));
  findings.push(...checkLimits(ordered, p));
  findings.push(...checkSpikes(ordered, profile, p));
  findings.push(...checkDisconnected(ordered, meta.disconnected, step, p));
  if (input.phaseRegisters !== undefined) findings.push(...checkPhaseSum(ordered, input.phaseRegisters, meta, input.now, p));
  for (const interval of ordered) {
    if (interval.quality === 'measured') interval.quality = 'validated';
  }

  for (const run of work.runs) {
    const first = run.intervals[0] as WorkingInterval;
    const last = run.intervals.at(-1) as WorkingInterval;
    const known = (at: number): number | null => {
      const i = work.intervals.get(at);
      return i === undefined || i.value === null || i.quality === 'estimated' ? null : i.value;
    };
    findings.push(...estimateRun({ intervals: run.intervals, registerDelta: run.delta, before: known(first.at - step),
      after: known(last.at + step) }, profile, p));
  }

  const final = ordered.filter((i) => i.at > from && i.at <= input.to).map(toFinal);
  const days = dayResults(final, chain, from, input.to, step, p.intervalRegisterToleranceWh, findings);
  findings.sort((a, b) => a.at - b.at);
  return { intervals: final, findings, days };
}

interface MissingRun {
  readonly intervals: readonly WorkingInterval[];
  /** The register's energy across the run, the estimation constraint; null when unknown. */
  readonly delta: number | null;
}

/**
 * The working intervals of [from, to] from the chain: a single-interval step gives its interval's
 * value (with the correction's provenance), a longer step is a gap whose missing intervals form one
 * run constrained by the step's energy, and intervals outside every step form runs without one.
 */
function intervalsFromChain(
  checked: CheckedReads,
  chain: RegisterChain,
  from: number,
  to: number,
  step: number,
  findings: Finding[],
): { intervals: Map<number, WorkingInterval>; runs: MissingRun[] } {
  const readAt = new Map(checked.reads.map((r) => [r.at, r.value]));
  const rawOf = (at: number): number | null => {
    const end = readAt.get(at);
    const start = readAt.get(at - step);
    return end === undefined || start === undefined ? null : end - start;
  };
  const intervals = new Map<number, WorkingInterval>();
  for (const at of intervalEnds(from, to, step)) intervals.set(at, { at, value: null, quality: 'missing', raw: rawOf(at), provenance: [] });
  const trustedTimes = new Set(chain.reads.map((r) => r.at));
  const rejectedRead = new Map<number, Finding>();
  for (const f of [...checked.findings, ...chain.findings]) {
    if (f.action === 'reject' && !trustedTimes.has(f.at)) rejectedRead.set(f.at, f);
  }

  const runs: MissingRun[] = [];
  const covered = new Set<number>();
  for (const s of chain.steps) {
    const inside = intervalEnds(s.from, s.to, step).map((at) => intervals.get(at)).filter((i): i is WorkingInterval => i !== undefined);
    for (const interval of inside) covered.add(interval.at);
    if (inside.length === 0) continue;
    if (s.to - s.from === step) {
      const interval = inside[0] as WorkingInterval;
      interval.value = s.energy;
      interval.quality = s.energy === null ? 'missing' : s.correction === undefined ? 'measured' : 'validated';
      if (s.correction !== undefined) {
        interval.provenance.push({ rule: s.correction.rule, from: interval.raw, to: s.energy, quality: interval.quality,
          reason: s.correction.reason });
      }
      if (s.energy === null) runs.push({ intervals: inside, delta: null });
      continue;
    }
    const count = (s.to - s.from) / step;
    findings.push({ rule: 'VEE-GAP', at: s.from, to: s.to, action: 'flag',
      reason: `${count} intervals between trusted reads at ${iso(s.from)} `
      + `and ${iso(s.to)}${s.energy === null ? ', register delta unknown' : `, register delta ${s.energy} Wh`}` });
    for (const interval of inside) {
      markMissing(interval, step, rejectedRead);
      if (s.correction !== undefined) {
        interval.provenance.push({ rule: s.correction.rule, from: null, to: null, quality: 'missing',
          reason: `across the gap: ${s.correction.reason}` });
      }
    }
    runs.push({ intervals: inside, delta: s.energy });
  }

  let edge: WorkingInterval[] = [];
  const closeEdge = (): void => {
    if (edge.length === 0) return;
    const first = edge[0] as WorkingInterval;
    const last = edge.at(-1) as WorkingInterval;
    findings.push({ rule: 'VEE-GAP', at: first.at - step, to: last.at, action: 'flag',
      reason: `${edge.length} intervals outside the trusted reads: no register delta` });
    runs.push({ intervals: edge, delta: null });
    edge = [];
  };
  for (const interval of intervals.values()) {
    if (covered.has(interval.at)) {
      closeEdge();
      continue;
    }
    markMissing(interval, step, rejectedRead);
    edge.push(interval);
  }
  closeEdge();
  return { intervals, runs };
}

function markMissing(interval: WorkingInterval, step: number, rejectedRead: ReadonlyMap<number, Finding>): void {
  const rejected = rejectedRead.get(interval.at) ?? rejectedRead.get(interval.at - step);
  if (rejected !== undefined && interval.raw !== null) {
    interval.provenance.push({ rule: rejected.rule, from: interval.raw, to: null, quality: 'missing', reason: rejected.reason });
  } else {
    interval.provenance.push({ rule: 'VEE-GAP', from: null, to: null, quality: 'missing',
      reason: 'no trusted read at one end of the interval' });
  }
  interval.value = null;
  interval.quality = 'missing';
}

function toFinal(i: WorkingInterval): FinalInterval {
  const base = { at: i.at, value: i.value, quality: i.quality, raw: i.raw, provenance: i.provenance, history: [] };
  return i.method === undefined ? base : { ...base, method: i.method };
}

function dayResults(
  final: readonly FinalInterval[],
  chain: { readonly steps: readonly RegisterStep[] },
  from: number,
  to: number,
  step: number,
  tolerance: number,
  findings: Finding[],
): DayResult[] {
  const byDay = new Map<number, FinalInterval[]>();
  for (const interval of final) {
    const day = Math.floor((interval.at - 1) / dayMs) * dayMs;
    const list = byDay.get(day);
    if (list === undefined) byDay.set(day, [interval]);
    else list.push(interval);
  }
  const deltas = new RegisterDeltas(chain.steps);
  const days: DayResult[] = [];
  for (let day = Math.ceil(from / dayMs) * dayMs; day + dayMs <= to; day += dayMs) {
    const inDay = byDay.get(day) ?? [];
    const energy = inDay.some((i) => i.value === null) ? null : inDay.reduce((sum, i) => sum + (i.value ?? 0), 0);
    const registerDelta = deltas.between(day, day + dayMs);
    days.push({ day, energy, registerDelta, completeness: completenessOf(inDay, day, day + dayMs, step) });
    const disagreement = registerDelta === null ? undefined : checkIntervalRegister(inDay, day, day + dayMs, registerDelta, tolerance);
    if (disagreement !== undefined) findings.push(disagreement);
  }
  return days;
}

/** Register energy between trusted reads, by prefix sums over the steps (a step of unknown energy breaks a span). */
class RegisterDeltas {
  readonly #startIndex = new Map<number, number>();
  readonly #endIndex = new Map<number, number>();
  readonly #sums: number[] = [0];
  readonly #unknown: number[] = [0];

  constructor(steps: readonly RegisterStep[]) {
    steps.forEach((s, i) => {
      this.#startIndex.set(s.from, i);
      this.#endIndex.set(s.to, i);
      this.#sums.push((this.#sums[i] ?? 0) + (s.energy ?? 0));
      this.#unknown.push((this.#unknown[i] ?? 0) + (s.energy === null ? 1 : 0));
    });
  }

  between(from: number, to: number): number | null {
    const first = this.#startIndex.get(from);
    const last = this.#endIndex.get(to);
    if (first === undefined || last === undefined || last < first) return null;
    if ((this.#unknown[last + 1] ?? 0) - (this.#unknown[first] ?? 0) > 0) return null;
    return (this.#sums[last + 1] ?? 0) - (this.#sums[first] ?? 0);
  }
}

/** The register's energy from `from` to `to` when trusted reads sit at both and every step between is known. */
export function deltaBetween(steps: readonly RegisterStep[], from: number, to: number): number | null {
  return new RegisterDeltas(steps).between(from, to);
}
