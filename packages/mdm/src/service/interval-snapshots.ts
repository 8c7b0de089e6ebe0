// The values of one meter per 15-minute interval, as the snapshot the analytics take: for each
// quantity, the last reading of the interval (t − 15 min, t], stamped with the interval's end. A
// meter that reports once per interval at its end gives its own snapshots back; one that reports
// more often is judged on the last value of each interval.
import type { MeterId, ObisCode, Reading, Snapshot } from '@phasewire/core';

export function intervalSnapshots(meter: MeterId, readings: readonly Reading[], intervalMs: number): Snapshot[] {
  const byEnd = new Map<number, Map<ObisCode, { at: number; value: number }>>();
  for (const r of readings) {
    const end = Math.ceil(r.at / intervalMs) * intervalMs;
    let values = byEnd.get(end);
    if (values === undefined) { values = new Map(); byEnd.set(end, values); }
    const held = values.get(r.quantity);
    if (held === undefined || held.at <= r.at) values.set(r.quantity, { at: r.at, value: r.value });
  }
  return [...byEnd.entries()].sort((a, b) => a[0] - b[0])
    .map(([at, values]) => ({ meter, at, values: new Map([...values].map(([q, v]) => [q, v.value])) }));
}
