// The interval table of many meters (interval-table.ts) on SQLite: one statement reads every chunk of
// the batch's meters and quantities in the range (the meters come from a JSON array
// that SQLite walks itself, each meter's chunks found by the primary key (meter, quantity, start), as
// compactedColumn does for one interval), one statement per recent slot in the range, and one for
// the written stages. Chunks are decoded inside the statement by a function of the connection
// (pw_table_chunk) into one reused buffer of whole steps, and a regular 15-minute chunk goes into its
// cells in one loop: no row, blob copy, object or array per chunk or reading comes back to the caller.
import { stepsOf, type MeterId } from '@phasewire/core';
import { IntervalTableBuilder, type IntervalTable, type IntervalTableQuery } from '../../interval-table.ts';
import { dayMs, floorTo, intervalMs } from '../../periods.ts';
import { inSteps } from '../../scaling.ts';
import { ChunkBuffer, decodeChunkInto } from './chunk-codec.ts';
import { decodeSnapshotText } from './snapshot-text.ts';
import { num, type QuantityEntry, type SqliteContext } from './sqlite-context.ts';
import { qualityAt } from './sqlite-stages.ts';

/** What pw_table_chunk writes into: the table being built, and the column of each quantity id read. */
interface ChunkSink {
  builder: IntervalTableBuilder | undefined;
  rowOf: ReadonlyMap<number, number>;
  readonly columns: Map<number, { readonly column: number; readonly steps: number; readonly what: string }>;
  readonly chunk: ChunkBuffer;
}

const sinks = new WeakMap<SqliteContext, ChunkSink>();

/** The connection's pw_table_chunk(meter, quantity, start, data), registered once: decodes a chunk into the table being built. */
function chunkSink(ctx: SqliteContext): ChunkSink {
  const known = sinks.get(ctx);
  if (known !== undefined) return known;
  const sink: ChunkSink = { builder: undefined, rowOf: new Map(), columns: new Map(), chunk: new ChunkBuffer() };
  ctx.db.function('pw_table_chunk', { deterministic: false }, (meter, quantity, start, data) => {
    const { builder, chunk } = sink;
    const target = sink.columns.get(Number(quantity));
    if (builder === undefined || target === undefined) return 0;
    decodeChunkInto(data as Uint8Array, Number(start), target.what, chunk);
    // A chunk of doubles holds values in the unit; the table takes steps, as the integer chunks already are.
    if (!chunk.scaled) for (let k = 0; k < chunk.count; k++) chunk.values[k] = inSteps(chunk.values[k] as number, target.steps);
    builder.reads(sink.rowOf.get(Number(meter)) ?? 0, target.column, chunk.at, chunk.values, chunk.count, chunk.step);
    return chunk.count;
  });
  sinks.set(ctx, sink);
  return sink;
}

export function intervalTable(ctx: SqliteContext, query: IntervalTableQuery): IntervalTable {
  const entries = query.quantities.map((q) => ctx.quantity(q));
  const steps = query.quantities.map((q, k) => entries[k]?.steps ?? stepsOf(q));
  // Store meter id → row of the table.
  const rowOf = new Map<number, number>();
  query.meters.forEach((name: MeterId, row) => {
    const id = ctx.meterId(name);
    if (id !== undefined) rowOf.set(id, row);
  });
  const meters = JSON.stringify([...rowOf.keys()]);
  const columnOf = new Map<number, number>();
  entries.forEach((q, column) => { if (q !== undefined) columnOf.set(q.id, column); });
  // A series' chunks come in key order and its recent reads after them, so energies are taken in the one pass that reads
  // them; should a read come out of order (a late read of a slot before compacted ones), the table is read again unordered.
  let builder = new IntervalTableBuilder(query, steps, { ordered: true });
  readInto(ctx, query, builder, entries, rowOf, meters, columnOf);
  if (builder.outOfOrder) {
    builder = new IntervalTableBuilder(query, steps);
    readInto(ctx, query, builder, entries, rowOf, meters, columnOf);
  }
  builder.deltas();
  stagesInto(ctx, query, builder, rowOf, meters, columnOf);
  return builder.build();
}

/** Every register read of the table's meters and quantities in the range: compacted chunks, then the recent slots in time order. */
function readInto(ctx: SqliteContext, query: IntervalTableQuery, builder: IntervalTableBuilder,
  entries: readonly (QuantityEntry | undefined)[], rowOf: ReadonlyMap<number, number>, meters: string,
  columnOf: ReadonlyMap<number, number>): void {
  const { from, to } = query.range;
  const sink = chunkSink(ctx);
  sink.builder = builder;
  sink.rowOf = rowOf;
  sink.columns.clear();
  entries.forEach((q, column) => {
    if (q !== undefined) sink.columns.set(q.id, { column, steps: q.steps, what: `chunk of quantity ${q.obis}` });
  });
  try {
    // One statement for every quantity (a meter's quantities are neighbours in the key, so each page is read once), and the chunks
    // go to the table inside it (pw_table_chunk): no row object or blob copy per chunk comes back.
    if (sink.columns.size > 0) {
      ctx.arrays(`SELECT sum(pw_table_chunk(c.meter, c.quantity, c.start, c.data)) FROM json_each(?) j CROSS JOIN json_each(?) k
        CROSS JOIN reading_chunk c ON c.meter = j.value AND c.quantity = k.value AND c.start >= ? AND c.start <= ?`,
      meters, JSON.stringify([...sink.columns.keys()]), floorTo(from, dayMs), to);
    }
  } finally {
    sink.builder = undefined;
  }
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
}

/** The written stages (validated, final) of the table's meters and quantities, over the energies. */
function stagesInto(ctx: SqliteContext, query: IntervalTableQuery, builder: IntervalTableBuilder, rowOf: ReadonlyMap<number, number>,
  meters: string, columnOf: ReadonlyMap<number, number>): void {
  const { from, to } = query.range;
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
}
