// The interval table of many meters (interval-table.ts) on SQLite, in one pass per quantity: one
// statement reads every chunk of the batch's meters in the range (the meters come from a JSON array
// that SQLite walks itself, each meter's chunks found by the primary key (meter, quantity, start), as
// compactedColumn does for one interval), one statement per recent slot in the range, and one for
// the written stages. Chunks are decoded straight into the table's cells.
import { stepsOf, type MeterId } from '@phasewire/core';
import { IntervalTableBuilder, type IntervalTable, type IntervalTableQuery } from '../../interval-table.ts';
import { dayMs, floorTo, intervalMs } from '../../periods.ts';
import { inSteps } from '../../scaling.ts';
import { decodeChunk, type SeriesPart } from './chunk-codec.ts';
import { decodeSnapshotText } from './snapshot-text.ts';
import { num, type SqliteContext } from './sqlite-context.ts';
import { qualityAt } from './sqlite-stages.ts';

export function intervalTable(ctx: SqliteContext, query: IntervalTableQuery): IntervalTable {
  const { from, to } = query.range;
  const entries = query.quantities.map((q) => ctx.quantity(q));
  const builder = new IntervalTableBuilder(query, query.quantities.map((q, k) => entries[k]?.steps ?? stepsOf(q)));
  // Store meter id → row of the table.
  const rowOf = new Map<number, number>();
  query.meters.forEach((name: MeterId, row) => {
    const id = ctx.meterId(name);
    if (id !== undefined) rowOf.set(id, row);
  });
  const meters = JSON.stringify([...rowOf.keys()]);
  const part: SeriesPart = { at: [], values: [] };
  entries.forEach((q, column) => {
    if (q === undefined) return;
    const rows = ctx.arrays(`SELECT c.meter, c.start, c.data FROM json_each(?) j CROSS JOIN reading_chunk c
      ON c.meter = j.value AND c.quantity = ? AND c.start >= ? AND c.start <= ?`, meters, q.id, floorTo(from, dayMs), to);
    for (const row of rows) {
      const meter = rowOf.get(num(row[0])) ?? 0;
      part.at.length = 0;
      part.values.length = 0;
      decodeChunk(row[2] as Uint8Array, num(row[1]), q.steps, `chunk of quantity ${q.obis}`, part);
      for (let k = 0; k < part.at.length; k++) builder.read(meter, column, part.at[k] ?? 0, inSteps(part.values[k] ?? 0, q.steps));
    }
  });
  const columnOf = new Map<number, number>();
  entries.forEach((q, column) => { if (q !== undefined) columnOf.set(q.id, column); });
  ctx.flushRecent();
  for (const slot of ctx.hotSlotsBetween(Math.floor(from / intervalMs), Math.floor(to / intervalMs))) {
    const at = slot * intervalMs;
    for (const row of ctx.arrays('SELECT meter, vals FROM reading_recent WHERE slot = ? AND off = 0', slot)) {
      const meter = rowOf.get(num(row[0]));
      if (meter === undefined) continue;
      decodeSnapshotText(String(row[1]), ctx.stepsOfId, (id, value) => {
        const column = columnOf.get(id);
        if (column !== undefined) builder.read(meter, column, at, inSteps(value, ctx.stepsOfId(id)));
      });
    }
  }
  builder.deltas();
  for (const [id, column] of columnOf) {
    const rows = ctx.arrays(`SELECT s.meter, s.end_at, s.validated, s.validated_quality, s.final, s.final_quality FROM json_each(?) j
      CROSS JOIN interval_stage s ON s.meter = j.value AND s.quantity = ? AND s.end_at > ? AND s.end_at <= ?`, meters, id, from, to);
    for (const row of rows) {
      const final = row[5] === null ? undefined : { value: row[4] === null ? null : num(row[4]), quality: qualityAt(row[5]) };
      const validated = row[3] === null ? undefined : { value: row[2] === null ? null : num(row[2]), quality: qualityAt(row[3]) };
      builder.stage(rowOf.get(num(row[0])) ?? 0, column, num(row[1]), {
        ...(final === undefined ? {} : { final }), ...(validated === undefined ? {} : { validated }) });
    }
  }
  return builder.build();
}
