// T12 (PERFORMANCE.md): billing determinants (ToU buckets, demand, PF) for a fleet × one month of
// 15-minute data, against one plain aggregate query over the same rows in the same run (target
// ≤ 1.5×), and a whole bill run (determinants, rating, bills committed) against the same query
// (≤ 2×), on SQLite and on PostgreSQL.
//
// Data: March 2026 in Europe/Berlin (2,972 intervals, the spring DST day included), the active and
// reactive import registers of every meter (a C&I meter with a power-factor charge; export registers
// absent), read every 15 minutes. The commercial ToU sample tariff (three buckets, seasons, holidays,
// a 15-minute demand charge, feed-in, levy, VAT). SQLite: stored through the store's API as in
// operation (an interval of the fleet per append, then the days compacted by maintain()).
// PostgreSQL: the first interval through the API (meter and quantity ids, partitions), the rest with
// one INSERT … SELECT of the same rows (the API would take hours at this size on 2 cores).
//
// The plain aggregate query reads the same rows, decodes and sums every value in them, and returns one row per meter and
// register: PostgreSQL `count(*), sum(scaled)` over register_reading; SQLite `count(*), sum(pw_chunk_sum(data))` over the
// chunk rows, pw_chunk_sum being the store's own chunk decoder (chunkValueSum, the code intervalTable decodes with) as an SQL
// function on the connection. A SQLite row is a compressed day of one meter's register, so no built-in SQL aggregate can see
// its values; with the decoder as a function the query does the least work that reads every value: scan, decode, add. The
// earlier SQLite reference, `count(*), sum(length(data))` over the same rows, decodes nothing; it is still timed
// (CountOnlyMs) for comparison with older results. The store's own read of the same rows with every value summed in a plain
// loop (ReadSumMs) is timed too. Wall and CPU time (user + system, all threads) are both reported: the machine is shared.
// The determinants read through MeterStore.intervalTable in batches of 500 meters, place each
// meter's intervals in the period plan and compute its determinants (bill-core's determinantsOf).
// The bill run is runBillingCycle on a billing store set up with one account and service point per
// meter (set up by SQL, outside the timing), batches of 500 committed in one transaction each.
//
// PW_T12_METERS (default 10,000) sets the fleet; PW_T12_STORES (default sqlite,postgres) the stores; PW_T12_DATA a folder that
// keeps the SQLite data for the next run of the same fleet size.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { median, type Benchmark } from '@phasewire/bench';
import { ManualClock, parseMeterId, Q, type MeterId, type Snapshot } from '@phasewire/core';
import type { BillingStore, IntervalTable, MeterStore } from '@phasewire/store';
import { chunkValueSum, PostgresBillingStore, PostgresMeterStore, SqliteBillingStore, SqliteMeterStore } from '@phasewire/store/node';
import { startPostgres, type PostgresServer } from '@phasewire/store/testing';
import { determinantsOf, type SlotData } from '../src/billing/determinants.ts';
import { planPeriod } from '../src/billing/period-plan.ts';
import { billedQuantities, runBillingCycle } from '../src/billing-runs/bill-run.ts';
import { servicePointSlots } from '../src/billing-runs/service-point-slots.ts';
import { sampleTariff } from '../src/testing/billing-fixtures.ts';

const meterCount = Number(process.env['PW_T12_METERS'] ?? 10_000);
const stores = (process.env['PW_T12_STORES'] ?? 'sqlite,postgres').split(',');
/** A folder that keeps the SQLite data between runs (built once per fleet size: building 10,000 meters takes many minutes). */
const keptData = process.env['PW_T12_DATA'];
const batchSize = 500;
const quarter = 900_000;
const tariff = sampleTariff('commercial-tou-berlin');
const tariffDocument = readFileSync(new URL('../tariffs/commercial-tou-berlin.json', import.meta.url), 'utf8');
const period = { start: '2026-03-01', end: '2026-04-01' };
const plan = planPeriod(tariff, period);
const reads = (plan.to - plan.from) / quarter + 1;
const meters: MeterId[] = Array.from({ length: meterCount }, (_, i) => parseMeterId(`t12-${String(i).padStart(6, '0')}`));
const registers = [Q.activeEnergyImport, Q.reactiveEnergyImport];

/** Register of meter m after k intervals (Wh): a base load and a working-day plateau, as closed sums. */
function importRegister(m: number, k: number): number {
  const base = 150 + (m % 50);
  const plateau = 400 + (m % 23) * 10;
  const working = Math.floor(k / 96) * 48 + Math.min(48, Math.max(0, (k % 96) - 32));
  return 1_000_000 + m * 10 + base * k + plateau * working;
}
/** The same closed sum in SQL, for PostgreSQL's bulk insert (m: meter index, k: interval number). */
const importSql = (m: string, k: string): string =>
  `(1000000 + ${m} * 10 + (150 + ${m} % 50) * ${k}`
  + ` + (400 + (${m} % 23) * 10) * ((${k} / 96) * 48 + least(48, greatest(0, ${k} % 96 - 32))))`;

/** The CPU time of the last `timed` work (user + system, every thread of the process), in ms. */
let lastCpuMs = 0;

/**
 * Wall time of `work` in ms; its CPU time goes to lastCpuMs. On a shared machine the wall time swings with the load, the CPU
 * time much less, so both are reported.
 */
const timed = async (work: () => Promise<unknown>): Promise<number> => {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await work();
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  lastCpuMs = (used.user + used.system) / 1000;
  return wall;
};

async function determinantsPass(store: MeterStore): Promise<number> {
  let checksum = 0;
  let table: IntervalTable | undefined;
  let slots: SlotData | undefined;
  for (let start = 0; start < meters.length; start += batchSize) {
    const batch = meters.slice(start, start + batchSize);
    // As a bill run does: the previous batch's table and the previous meter's slots are reused.
    table = await store.intervalTable({ range: { from: plan.from, to: plan.to }, quantities: billedQuantities, meters: batch,
      ...(table === undefined ? {} : { reuse: table }) });
    const rows = new Map(batch.map((m, row) => [m as string, row]));
    for (const meter of batch) {
      slots = servicePointSlots(plan, table, rows, [{ servicePoint: meter, meter, from: plan.from, to: null }],
        { from: plan.from, to: plan.to }, slots);
      checksum += determinantsOf(plan, slots).quality.expected;
    }
  }
  return checksum;
}

/** The store's own read of the same rows in the same batches, every value summed; no determinants. */
async function readSumPass(store: MeterStore): Promise<number> {
  let sum = 0;
  let table: IntervalTable | undefined;
  for (let start = 0; start < meters.length; start += batchSize) {
    table = await store.intervalTable({ range: { from: plan.from, to: plan.to }, quantities: billedQuantities,
      meters: meters.slice(start, start + batchSize), ...(table === undefined ? {} : { reuse: table }) });
    const values = table.values;
    for (let series = 0; series < table.empty.length; series++) {
      if (table.empty[series] === 1) continue;
      for (let i = series * table.length; i < (series + 1) * table.length; i++) {
        const v = values[i] as number;
        if (v === v) sum += v;
      }
    }
  }
  return sum;
}

/** The billing tables for one account and service point per meter, written in one transaction (SQL of billing-schema.ts). */
function billingRows(run: (sql: string, params: (string | number | null)[]) => unknown): void {
  run('INSERT INTO tariff_version VALUES (?, ?, ?, ?, ?, ?, ?)', [tariff.id, tariff.version, tariff.effectiveFrom, null, tariffDocument,
    'bench', 0]);
  for (const meter of meters) {
    run('INSERT INTO account VALUES (?, ?, ?)', [meter, meter, JSON.stringify({ kind: 'monthly', day: 1 })]);
    run('INSERT INTO service_point VALUES (?, ?)', [meter, meter]);
    run('INSERT INTO installation VALUES (?, ?, ?, ?)', [meter, meter, plan.from, null]);
    run('INSERT INTO service_point_link VALUES (?, ?, ?, ?)', [meter, meter, plan.from, null]);
    run('INSERT INTO tariff_assignment VALUES (?, ?, ?, ?)', [meter, tariff.id, plan.from, null]);
  }
}

interface Target {
  readonly name: string;
  readonly store: MeterStore;
  /** The plain aggregate query over the same rows, every value read and summed; resolves with its row count. */
  aggregate(): Promise<number>;
  /** SQLite: the earlier reference, a count of the same chunk rows and their bytes that decodes no value. */
  countOnly?(): Promise<number>;
  /** A billing store set up for the run, fresh each time. */
  billing(): Promise<BillingStore>;
  close(): Promise<void>;
}

async function sqliteTarget(dir: string): Promise<Target> {
  const clock = new ManualClock(plan.from);
  const path = join(keptData ?? dir, 'phasewire.db');
  const marker = join(keptData ?? dir, 'built-meters');
  const built = keptData !== undefined && existsSync(marker) && readFileSync(marker, 'utf8') === String(meterCount);
  if (keptData !== undefined && !built) for (const end of ['', '-wal', '-shm']) rmSync(path + end, { force: true });
  const store = await SqliteMeterStore.open({ path, clock, cacheMiB: 256 });
  for (let k = 0; built ? false : k < reads; k++) {
    const at = plan.from + k * quarter;
    const snapshots: Snapshot[] = meters.map((meter, m) => {
      const wh = importRegister(m, k);
      return { meter, at, values: new Map([[Q.activeEnergyImport, wh], [Q.reactiveEnergyImport, Math.round(wh * 0.35)]]) };
    });
    await store.appendSnapshots(snapshots);
  }
  clock.set(plan.to + 2 * 86_400_000);
  if (!built) await store.maintain();
  if (keptData !== undefined) writeFileSync(marker, String(meterCount));
  const db = new DatabaseSync(path, { readOnly: true });
  // The same page cache as the store's connection (cacheMiB 256), so both read the rows on the same footing.
  db.exec('PRAGMA cache_size = -262144');
  const ids = (db.prepare('SELECT id FROM quantity WHERE obis IN (?, ?)').all(...registers) as { id: number }[]).map((r) => r.id);
  // The store's chunk decoder as an SQL function: the aggregate below decodes and sums every stored value of every row.
  db.function('pw_chunk_sum', { deterministic: true }, (data) => chunkValueSum(data as Uint8Array));
  const where = 'WHERE c.quantity IN (?, ?) AND c.start >= ? AND c.start <= ? GROUP BY c.meter, c.quantity';
  const aggregate = db.prepare(`SELECT c.meter, c.quantity, count(*) AS n, sum(pw_chunk_sum(c.data)) AS total FROM reading_chunk c
    ${where}`);
  const countOnly = db.prepare(`SELECT c.meter, c.quantity, count(*) AS n, sum(length(c.data)) AS bytes FROM reading_chunk c ${where}`);
  const params = [ids[0] ?? 0, ids[1] ?? 0, Math.floor(plan.from / 86_400_000) * 86_400_000, plan.to];
  let n = 0;
  return {
    name: 'SQLite',
    store,
    aggregate: () => Promise.resolve(aggregate.all(...params).length),
    countOnly: () => Promise.resolve(countOnly.all(...params).length),
    async billing() {
      const file = join(dir, `billing-${++n}.db`);
      await (await SqliteBillingStore.open({ path: file })).close();
      const raw = new DatabaseSync(file);
      raw.exec('BEGIN');
      billingRows((sql, params) => raw.prepare(sql).run(...params));
      raw.exec('COMMIT');
      raw.close();
      return SqliteBillingStore.open({ path: file, clock });
    },
    async close() { db.close(); await store.close(); },
  };
}

async function postgresTarget(server: PostgresServer): Promise<Target> {
  const connectionString = server.connectionString('t12');
  const clock = new ManualClock(plan.to + 2 * 86_400_000);
  const store = await PostgresMeterStore.open({ connectionString, schema: 'phasewire', clock });
  // The first two reads and the last through the API: meter and quantity ids, both months' partitions.
  for (const k of [0, 1, reads - 1]) {
    await store.appendSnapshots(meters.map((meter, m) => ({ meter, at: plan.from + k * quarter, values: new Map([
      [Q.activeEnergyImport, importRegister(m, k)], [Q.reactiveEnergyImport, Math.round(importRegister(m, k) * 0.35)]]) })));
  }
  const client = new pg.Client({ connectionString });
  await client.connect();
  await client.query('SET search_path = phasewire');
  const steps = new Map((await client.query<{ obis: string; id: number; steps: number }>('SELECT obis, id, steps FROM quantity')).rows
    .map((r) => [r.obis, r]));
  const imp = steps.get(Q.activeEnergyImport);
  const rq = steps.get(Q.reactiveEnergyImport);
  const m = "(substr(me.name, 5)::bigint)";
  await client.query(`INSERT INTO register_reading (meter, quantity, at, scaled, real)
    SELECT me.id, ${imp?.id ?? 0}, ${plan.from} + k * ${quarter}, ${importSql(m, 'k')} * ${imp?.steps ?? 1}, NULL::float8
      FROM meter me, generate_series(2::bigint, ${reads - 2}) AS k WHERE me.name LIKE 't12-%'
    UNION ALL
    SELECT me.id, ${rq?.id ?? 0}, ${plan.from} + k * ${quarter}, round(${importSql(m, 'k')} * 0.35) * ${rq?.steps ?? 1}, NULL::float8
      FROM meter me, generate_series(2::bigint, ${reads - 2}) AS k WHERE me.name LIKE 't12-%'`);
  await client.query('VACUUM ANALYZE register_reading');
  let n = 0;
  return {
    name: 'PostgreSQL',
    store,
    aggregate: async () => (await client.query(`SELECT meter, quantity, count(*), sum(scaled) FROM register_reading
      WHERE quantity = ANY($1::int2[]) AND at >= $2 AND at <= $3 GROUP BY meter, quantity`, [[imp?.id, rq?.id], plan.from, plan.to]))
      .rowCount ?? 0,
    async billing() {
      const schema = `billing_${++n}`;
      await (await PostgresBillingStore.open({ connectionString, schema })).close();
      const statements: [string, (string | number | null)[]][] = [];
      billingRows((sql, params) => {
        let i = 0;
        statements.push([sql.replace('INSERT INTO ', `INSERT INTO ${schema}.`).replace(/\?/g, () => `$${++i}`), params]);
      });
      await client.query('BEGIN');
      for (const [sql, params] of statements) await client.query(sql, params);
      await client.query('COMMIT');
      return PostgresBillingStore.open({ connectionString, schema, clock });
    },
    async close() { await client.end(); await store.close(); },
  };
}

/** One measurement: build the stores, three rounds of each figure (medians), close everything, whatever happens. */
async function measureAll(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-t12-'));
  const targets: Target[] = [];
  let server: PostgresServer | undefined;
  const extra: Record<string, number> = { meters: meterCount, intervalsPerMeter: plan.slotCount };
  try {
    if (stores.includes('sqlite')) targets.push(await sqliteTarget(dir));
    if (stores.includes('postgres')) {
      server = await startPostgres({ fast: true });
      await server.createDatabase('t12');
      targets.push(await postgresTarget(server));
    }
    for (const t of targets) {
      const reference: number[] = [];
      const readSum: number[] = [];
      const determinants: number[] = [];
      const runs: number[] = [];
      const countOnly: number[] = [];
      const cpu = { reference: [] as number[], determinants: [] as number[], runs: [] as number[] };
      for (let round = 0; round < 3; round++) {
        reference.push(await timed(() => t.aggregate()));
        cpu.reference.push(lastCpuMs);
        if (t.countOnly !== undefined) countOnly.push(await timed(() => t.countOnly?.() ?? Promise.resolve(0)));
        readSum.push(await timed(() => readSumPass(t.store)));
        determinants.push(await timed(() => determinantsPass(t.store)));
        cpu.determinants.push(lastCpuMs);
        const billing = await t.billing();
        runs.push(await timed(() => runBillingCycle({ billing, meters: t.store, clock: new ManualClock(plan.to + 3 * 86_400_000) },
          '2026-03', { actor: 'bench', batchSize })));
        cpu.runs.push(lastCpuMs);
        await billing.close();
      }
      const key = t.name === 'SQLite' ? 'sqlite' : 'postgres';
      extra[`${key}AggregateMs`] = median(reference);
      extra[`${key}DeterminantsMs`] = median(determinants);
      extra[`${key}DeterminantsRatio`] = median(determinants) / median(reference);
      extra[`${key}BillRunMs`] = median(runs);
      extra[`${key}BillRunRatio`] = median(runs) / median(reference);
      extra[`${key}ReadSumMs`] = median(readSum);
      extra[`${key}DeterminantsVsReadSum`] = median(determinants) / median(readSum);
      extra[`${key}BillRunVsReadSum`] = median(runs) / median(readSum);
      if (countOnly.length > 0) extra[`${key}CountOnlyMs`] = median(countOnly);
      extra[`${key}AggregateCpuMs`] = median(cpu.reference);
      extra[`${key}DeterminantsCpuMs`] = median(cpu.determinants);
      extra[`${key}BillRunCpuMs`] = median(cpu.runs);
      extra[`${key}DeterminantsCpuRatio`] = median(cpu.determinants) / median(cpu.reference);
      extra[`${key}BillRunCpuRatio`] = median(cpu.runs) / median(cpu.reference);
    }
  } finally {
    for (const t of targets) await t.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return extra;
}

const benchmark: Benchmark = {
  name: 'billing-t12',
  title: `T12: billing determinants for ${meterCount.toLocaleString('en')} meters × one month of 15-min data against one aggregate `
    + 'query over the same rows (≤ 1.5×; a whole bill run ≤ 2×), SQLite and PostgreSQL',
  target: { atMost: 1.5 },
  // One measurement builds the data (minutes) and takes the median of three rounds inside.
  runs: 1,
  async measure() {
    const extra = await measureAll();
    const worst = stores.includes('sqlite') && (extra['sqliteDeterminantsRatio'] ?? 0) >= (extra['postgresDeterminantsRatio'] ?? 0)
      ? 'sqlite' : 'postgres';
    return {
      figure: { label: `determinants, ${worst === 'sqlite' ? 'SQLite' : 'PostgreSQL'} (the worse store)`,
        value: extra[`${worst}DeterminantsMs`] ?? 0, unit: 'ms' },
      reference: { label: 'one aggregate query decoding and summing every value of the same rows, same store',
        value: extra[`${worst}AggregateMs`] ?? 0, unit: 'ms',
        kind: 'peer' },
      extra,
    };
  },
};

export default benchmark;
