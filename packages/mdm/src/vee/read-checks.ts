// Checks on the reads themselves, before any energy is computed from them: timestamps in the future
// (VEE-TIME-FUTURE), off the interval grid (VEE-TIME-GRID), duplicates (VEE-DUPLICATE) and a meter
// clock that disagrees with the head-end's (VEE-CLOCK-DRIFT).
import type { Finding, RegisterRead } from '../types.ts';
import { isOnGrid, iso, nearestGridPoint, requireFinite } from '../grid.ts';
import type { VeeParameters } from './parameters.ts';

export interface CheckedReads {
  /** Accepted reads on the grid, one per time, in time order. */
  readonly reads: readonly RegisterRead[];
  /** Times of accepted reads whose timestamp is in doubt (clock drift): their intervals are suspect. */
  readonly suspectTimes: ReadonlySet<number>;
  readonly findings: readonly Finding[];
}

export function checkReads(input: readonly RegisterRead[], intervalMs: number, now: number, p: VeeParameters): CheckedReads {
  const findings: Finding[] = [];
  const onGrid: RegisterRead[] = [];
  for (const read of input) {
    requireFinite(`the register read at ${read.at}`, read.value);
    requireFinite('a read time', read.at);
    if (read.at > now + p.futureToleranceMs) {
      findings.push({ rule: 'VEE-TIME-FUTURE', at: read.at, action: 'reject',
        reason: `read time ${iso(read.at)} is ${read.at - now} ms after the clock (${iso(now)}); at `
        + `most ${p.futureToleranceMs} ms expected` });
      continue;
    }
    if (isOnGrid(read.at, intervalMs)) {
      onGrid.push(read);
      continue;
    }
    const snapped = nearestGridPoint(read.at, intervalMs);
    const off = read.at - snapped;
    if (Math.abs(off) <= p.gridToleranceMs) {
      findings.push({ rule: 'VEE-TIME-GRID', at: snapped, action: 'correct',
        reason: `read time ${iso(read.at)} is ${off} ms off the ${intervalMs} ms grid, within ${p.gridToleranceMs} ms: `
        + `moved to ${iso(snapped)}` });
      onGrid.push({ ...read, at: snapped });
    } else {
      findings.push({ rule: 'VEE-TIME-GRID', at: read.at, action: 'reject',
        reason: `read time ${iso(read.at)} is ${off} ms off the ${intervalMs} ms grid; at most ${p.gridToleranceMs} ms expected` });
    }
  }
  const reads = dropDuplicates(onGrid, findings);
  return { reads, suspectTimes: clockDrift(reads, p, findings), findings };
}

/** One read per time. Equal values: the first is kept. Different values: the one that fits its neighbours. */
function dropDuplicates(reads: readonly RegisterRead[], findings: Finding[]): RegisterRead[] {
  const byTime = new Map<number, RegisterRead[]>();
  for (const read of reads) {
    const list = byTime.get(read.at);
    if (list === undefined) byTime.set(read.at, [read]);
    else list.push(read);
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);
  const kept: RegisterRead[] = [];
  times.forEach((at, i) => {
    const candidates = byTime.get(at) ?? [];
    const first = candidates[0];
    if (first === undefined) return;
    if (candidates.length === 1) {
      kept.push(first);
      return;
    }
    const distinct = new Set(candidates.map((r) => r.value));
    if (distinct.size === 1) {
      findings.push({ rule: 'VEE-DUPLICATE', at, action: 'drop',
        reason: `${candidates.length} reads with the same time and value ${first.value}: one kept` });
      kept.push(first);
      return;
    }
    const before = byTime.get(times[i - 1] ?? Number.NaN)?.[0]?.value ?? Number.NEGATIVE_INFINITY;
    const after = byTime.get(times[i + 1] ?? Number.NaN)?.[0]?.value ?? Number.POSITIVE_INFINITY;
    const fitting = candidates.filter((r) => r.value >= before && r.value <= after);
    const chosen = fitting.length === 1 && fitting[0] !== undefined ? fitting[0] : earliestReceived(candidates);
    const why = fitting.length === 1 ? `only ${chosen.value} lies between its neighbours ${before} and ${after}`
      : `kept the first received, ${chosen.value}`;
    findings.push({ rule: 'VEE-DUPLICATE', at, action: 'reject',
      reason: `${candidates.length} reads with the same time and different values ${[...distinct].join(', ')}: ${why}` });
    kept.push(chosen);
  });
  return kept;
}

function earliestReceived(reads: readonly RegisterRead[]): RegisterRead {
  let best = reads[0] as RegisterRead;
  for (const read of reads) {
    if ((read.receivedAt ?? Number.POSITIVE_INFINITY) < (best.receivedAt ?? Number.POSITIVE_INFINITY)) best = read;
  }
  return best;
}

/**
 * The meter's clock against the head-end's. A read stamped after it was received is proof that the
 * meter's clock runs ahead. When the meter also says when it sent the read (`sentAt`, by its own
 * clock), the difference to the receive time is the clock offset plus the transit time, in either
 * direction. A read's age alone proves nothing: backfill after an outage is legitimately old.
 */
function clockDrift(reads: readonly RegisterRead[], p: VeeParameters, findings: Finding[]): Set<number> {
  const suspect = new Set<number>();
  for (const read of reads) {
    if (read.receivedAt === undefined) continue;
    let reason: string | undefined;
    if (read.sentAt !== undefined && Math.abs(read.receivedAt - read.sentAt) > p.clockDriftLimitMs) {
      const offset = read.sentAt - read.receivedAt;
      reason = `meter clock about ${Math.abs(offset)} ms ${offset > 0 ? 'ahead of' : 'behind'} the head-end: sent at ${iso(read.sentAt)} `
        + `by the meter, received at ${iso(read.receivedAt)}; at most ${p.clockDriftLimitMs} ms expected`;
    } else if (read.at - read.receivedAt > p.clockDriftLimitMs) {
      reason = `meter clock about ${read.at - read.receivedAt} ms ahead: read of ${iso(read.at)} received at ${iso(read.receivedAt)}; at `
        + `most ${p.clockDriftLimitMs} ms expected`;
    }
    if (reason === undefined) continue;
    suspect.add(read.at);
    findings.push({ rule: 'VEE-CLOCK-DRIFT', at: read.at, action: 'suspect', reason });
  }
  return suspect;
}
