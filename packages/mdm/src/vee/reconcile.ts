// Re-estimation: when late data arrives the service runs VEE again over the affected days and
// reconciles the new result with what it stored. Nothing is overwritten: an interval whose value or
// quality changed keeps its previous version in `history`, and an estimate replaced by a measured
// value says so in its provenance (EST-LATE-DATA), as does an estimate replaced by a better one
// (EST-REESTIMATE, e.g. a six-hour gap that late data shrank to one hour).
//
// Order for the caller: runVee → reconcile with the stored.
import type { FinalInterval, ProvenanceEntry } from '../types.ts';

export function reconcile(previous: readonly FinalInterval[], next: readonly FinalInterval[], now: number): FinalInterval[] {
  const before = new Map(previous.map((i) => [i.at, i]));
  return next.map((interval) => {
    const old = before.get(interval.at);
    if (old === undefined) return interval;
    if (old.value === interval.value && old.quality === interval.quality && old.method === interval.method) {
      return { ...interval, history: old.history };
    }
    const superseded = old.method === undefined
      ? { value: old.value, quality: old.quality, provenance: old.provenance, supersededAt: now }
      : { value: old.value, quality: old.quality, method: old.method, provenance: old.provenance, supersededAt: now };
    const extra = replacementEntry(old, interval);
    return {
      ...interval,
      provenance: extra === undefined ? interval.provenance : [...interval.provenance, extra],
      history: [...old.history, superseded],
    };
  });
}

function replacementEntry(old: FinalInterval, next: FinalInterval): ProvenanceEntry | undefined {
  if (old.quality !== 'estimated') return undefined;
  if (next.quality === 'estimated') {
    return { rule: 'EST-REESTIMATE', from: old.value, to: next.value, quality: 'estimated',
      reason: `re-estimated with ${next.method ?? 'an estimation method'} after new data; the ${old.method ?? 'earlier'} estimate `
      + `is kept in the history` };
  }
  if (next.value !== null) {
    return { rule: 'EST-LATE-DATA', from: old.value, to: next.value, quality: next.quality,
      reason: `late data replaced the ${old.method ?? ''} estimate; the estimate is kept in the history` };
  }
  return undefined;
}
