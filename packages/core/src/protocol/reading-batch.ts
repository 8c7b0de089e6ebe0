// The uplink form of readings: a batch of one meter's snapshots in a compact, column-wise shape
// that the payload envelope then encodes as CBOR (RFC 8949) and encrypts. Quantities are listed
// once per batch by OBIS code (A-B = 1-0 for electricity, so C.D.E packed into one integer);
// values are integers in the quantity's resolution (scaled integers take 1 to 5 CBOR bytes where a
// double takes 9); times are the first time plus deltas. The decoder is the trust boundary: any
// value in yields a ReadingBatch or a DecodeError that says what was wrong, within fixed bounds.
import { DecodeError } from '../errors.ts';
import { parseMeterId, type MeterId } from '../ids.ts';
import { obisCode, obisGroups, type ObisCode } from '../obis.ts';
import { findQuantity } from '../catalogue.ts';
import type { Snapshot } from '../reading.ts';

export interface ReadingBatch {
  readonly meter: MeterId;
  readonly snapshots: readonly Snapshot[];
}

/** The wire shape: plain numbers and arrays, for CBOR. */
export interface WireBatch {
  /** Format version. */
  readonly v: 1;
  readonly m: string;
  /** Time of the first snapshot, ms since the epoch. */
  readonly t: number;
  /** Time of each snapshot after the first, as ms after the one before. */
  readonly d: readonly number[];
  /** Quantities: C·65536 + D·256 + E of `1-0:C.D.E`. */
  readonly q: readonly number[];
  /** Values per snapshot, per quantity, as integers in the quantity's resolution; null when absent. */
  readonly x: readonly (readonly (number | null)[])[];
}

export const batchLimits = { snapshots: 10_000, quantities: 256 } as const;


function packObis(code: ObisCode): number {
  const g = obisGroups(code);
  return g.c * 65536 + g.d * 256 + g.e;
}

/** Integer steps per unit: the resolution a value is carried with (the catalogue's `steps`: 0.01 V, 1 mA, 0.1 W, 0.1 Wh …). */
export function stepsOf(code: ObisCode): number {
  return findQuantity(code)?.steps ?? 1;
}

/** The wire shape of a batch. Every snapshot must be of the batch's meter. */
export function toWireBatch(batch: ReadingBatch): WireBatch {
  const codes: ObisCode[] = [];
  const index = new Map<ObisCode, number>();
  for (const snapshot of batch.snapshots) {
    for (const code of snapshot.values.keys()) {
      if (!index.has(code)) { index.set(code, codes.length); codes.push(code); }
    }
  }
  const steps = codes.map(stepsOf);
  const first = batch.snapshots[0]?.at ?? 0;
  let previous = first;
  const d: number[] = [];
  const x = batch.snapshots.map((snapshot, i) => {
    if (i > 0) { d.push(snapshot.at - previous); previous = snapshot.at; }
    const row: (number | null)[] = codes.map(() => null);
    for (const [code, value] of snapshot.values) {
      const column = index.get(code) ?? 0;
      row[column] = Number.isFinite(value) ? Math.round(value * (steps[column] ?? 1)) : null;
    }
    return row;
  });
  return { v: 1, m: batch.meter, t: first, d, q: codes.map(packObis), x };
}

const fail = (what: string): never => {
  throw new DecodeError('PW_ERR_BATCH_INVALID', `Cannot decode reading batch: ${what}`);
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);

/** Parses the wire shape back into snapshots; refuses anything that is not a well-formed batch. */
export function fromWireBatch(wire: unknown): ReadingBatch {
  if (!isRecord(wire)) return fail(`expected a map, found ${Array.isArray(wire) ? 'an array' : typeof wire}`);
  if (wire['v'] !== 1) return fail(`version ${JSON.stringify(wire['v'])} is not supported, expected 1`);
  const meterText = wire['m'];
  if (typeof meterText !== 'string') return fail('the meter id (m) is missing or not text');
  let meter: MeterId;
  try { meter = parseMeterId(meterText); } catch (error) { return fail(`the meter id is invalid (${(error as Error).message})`); }
  const { t, d, q, x } = wire;
  if (!isInteger(t) || t < 0) return fail('the first time (t) is not a non-negative integer of milliseconds');
  if (!Array.isArray(q) || q.length > batchLimits.quantities) {
    return fail(`the quantity list (q) is not a list of at most ${batchLimits.quantities}`);
  }
  if (!Array.isArray(x) || x.length === 0 || x.length > batchLimits.snapshots) {
    return fail(`the values (x) are not a list of 1 to ${batchLimits.snapshots} snapshots`);
  }
  if (!Array.isArray(d) || d.length !== x.length - 1) return fail(`expected ${x.length - 1} time deltas (d) for ${x.length} snapshots`);
  const codes = q.map((packed: unknown, i) => {
    if (!isInteger(packed) || packed < 0 || packed > 0xff_ffff) return fail(`quantity ${i} is not a packed OBIS code`);
    const code = obisCode(1, 0, Math.floor(packed / 65536), Math.floor(packed / 256) % 256, packed % 256);
    if (findQuantity(code) === undefined) return fail(`quantity ${i} (${code}) is not in the catalogue`);
    return code;
  });
  if (new Set(codes).size !== codes.length) return fail('a quantity is listed twice');
  const steps = codes.map(stepsOf);
  let at = t;
  const snapshots = x.map((row: unknown, i): Snapshot => {
    if (i > 0) {
      const delta: unknown = d[i - 1];
      if (!isInteger(delta) || delta <= 0) return fail(`time delta ${i - 1} is not a positive integer of milliseconds`);
      at += delta;
    }
    if (!Array.isArray(row) || row.length !== codes.length) {
      return fail(`snapshot ${i} does not have one value per quantity (${codes.length})`);
    }
    const values = new Map<ObisCode, number>();
    codes.forEach((code, j) => {
      const cell: unknown = row[j];
      if (cell === null) return;
      if (!isInteger(cell)) return fail(`value ${j} of snapshot ${i} is not an integer or null`);
      values.set(code, cell / (steps[j] ?? 1));
    });
    return { meter, at, values };
  });
  if (!Number.isSafeInteger(at)) return fail('the times overflow');
  return { meter, snapshots };
}
