// The documents of a billing period as the store keeps them (BillRecord): a bill, and when an issued
// bill must change, a correction of three documents: the cancellation of the issued bill (every line
// negated), the rebill, and the difference (the rebill's lines and the cancelled ones side by side,
// totalling rebill minus original). Nothing issued is ever rewritten. Pure.
import type { BillRecord, BillStatus, MeterInstallation } from '@phasewire/store';
import type { Bill, BillLine } from '../billing/types.ts';

/** What a stored document holds: the bill (or its lines) and what it was rated from. */
export interface BillDocument {
  readonly account: string;
  readonly servicePoint: string;
  /** The meters whose intervals were billed, with the spans they were installed. */
  readonly meters: readonly MeterInstallation[];
  readonly bill: Bill;
}

export interface PeriodKey {
  readonly cycle: string;
  readonly account: string;
  readonly servicePoint: string;
}

/** `2026-01:acc-1:sp-1:001`: account and service point ids hold no colon (the API's id pattern), so the id splits back. */
export const documentId = (key: PeriodKey, n: number): string =>
  `${key.cycle}:${key.account}:${key.servicePoint}:${String(n).padStart(3, '0')}`;

/**
 * What a bill was rated from and came to, as a short text: two ratings with the same fingerprint
 * are the same bill. FNV-1a (64-bit) of the lines, determinants and hold; a digest to compare, not a
 * security check.
 */
export function fingerprintOf(bill: Bill): string {
  return fnv1a64(JSON.stringify([bill.tariffVersions, bill.lines, bill.determinants, bill.hold]));
}

/** The members of a bill the fingerprint is taken over, in its order. */
const fingerprinted = ['tariffVersions', 'lines', 'determinants', 'hold'] as const;

/** `{"key":value,…}` of the pieces, as JSON.stringify writes an object (a member whose value has no JSON is left out). */
function objectText(keys: readonly string[], texts: readonly (string | undefined)[]): string {
  let text = '';
  for (let k = 0; k < keys.length; k++) {
    const value = texts[k];
    if (value !== undefined) text += `${text === '' ? '' : ','}${JSON.stringify(keys[k])}:${value}`;
  }
  return `{${text}}`;
}

/**
 * The stored document's JSON and the bill's fingerprint from one serialization: each member of the bill is written once, the
 * document is put together from the pieces and the fingerprint hashes its four pieces in the array form of fingerprintOf. The
 * same texts as JSON.stringify(doc) and fingerprintOf(doc.bill) (tested); writing the JSON twice was a fifth of a bill's cost.
 */
export function documentTexts(doc: BillDocument): { readonly document: string; readonly fingerprint: string } {
  const bill = doc.bill as unknown as Readonly<Record<string, unknown>>;
  const billKeys = Object.keys(bill);
  const billTexts = billKeys.map((key) => JSON.stringify(bill[key]) as string | undefined);
  const piece = (key: string): string => billTexts[billKeys.indexOf(key)] ?? 'null';
  const [versions, lines, determinants, hold] = fingerprinted.map(piece) as [string, string, string, string];
  const fingerprint = fnv1a64Of(['[', versions, ',', lines, ',', determinants, ',', hold, ']']);
  const top = doc as unknown as Readonly<Record<string, unknown>>;
  const docKeys = Object.keys(top);
  const billText = objectText(billKeys, billTexts);
  const document = objectText(docKeys, docKeys.map((key) => (key === 'bill' ? billText : JSON.stringify(top[key]) as string | undefined)));
  return { document, fingerprint };
}

/**
 * FNV-1a, 64 bits, over the UTF-16 code units of `text`, as 16 hex digits. In two 32-bit halves: a bigint per character was
 * a tenth of a bill run. × 0x100000001b3 mod 2^64 is × 0x1b3 plus the low half shifted 40 bits (8 into the high half).
 */
export function fnv1a64(text: string): string {
  return fnv1a64Of([text]);
}

/**
 * fnv1a64 of the texts one after another (the hash of their concatenation), without joining them: a joined text is a rope, and
 * reading it a character at a time was slower than writing the JSON.
 */
export function fnv1a64Of(texts: readonly string[]): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (const text of texts) {
    for (let i = 0; i < text.length; i++) {
      lo = (lo ^ text.charCodeAt(i)) >>> 0;
      // The high 32 bits of lo × 0x1b3 from its 16-bit halves, in int32 arithmetic (no float division per character).
      const carry = ((lo >>> 16) * 0x1b3 + (((lo & 0xffff) * 0x1b3) >>> 16)) >>> 16;
      hi = (Math.imul(hi, 0x1b3) + carry + (lo << 8)) >>> 0;
      lo = Math.imul(lo, 0x1b3) >>> 0;
    }
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

const negated = (line: BillLine): BillLine => ({ ...line, amount: { ...line.amount, minor: -line.amount.minor } });

export function billRecord(key: PeriodKey, n: number, doc: BillDocument, status: BillStatus, now: number, issuer: string,
  extra: Partial<Pick<BillRecord, 'replaces' | 'correction'>> = {}): BillRecord {
  const texts = documentTexts(doc);
  return {
    id: documentId(key, n), cycle: key.cycle, account: key.account, servicePoint: key.servicePoint, kind: 'bill', status,
    replaces: extra.replaces ?? null, correction: extra.correction ?? null, currency: doc.bill.currency, totalMinor: doc.bill.total.minor,
    fingerprint: texts.fingerprint, document: texts.document, createdAt: now,
    issuedAt: status === 'issued' ? now : null, issuedBy: status === 'issued' ? issuer : null,
  };
}

/** The status a freshly rated bill gets: held below the completeness limit, else issued by the run. */
export const statusOf = (bill: Bill): BillStatus => (bill.hold === null ? 'issued' : 'held');

/**
 * The three documents that correct `original` (an issued bill) with `doc`, numbered from `n`; the
 * run issues them at once unless the rebill is held, and then they are issued together later.
 */
export function correction(key: PeriodKey, n: number, original: BillRecord, doc: BillDocument, now: number, issuer: string): BillRecord[] {
  const before = JSON.parse(original.document) as BillDocument;
  const status = statusOf(doc.bill);
  const rebillId = documentId(key, n + 1);
  const shared = { replaces: original.id, correction: rebillId };
  const cancelLines = before.bill.lines.map(negated);
  const cancelTotal = -before.bill.total.minor;
  const cancellation: BillRecord = {
    ...billRecord(key, n, { ...before, bill: { ...before.bill, lines: cancelLines, total: { ...before.bill.total, minor: cancelTotal } } },
      status, now, issuer, shared),
    kind: 'cancellation',
  };
  const rebill = billRecord(key, n + 1, doc, status, now, issuer, shared);
  const lines = [...doc.bill.lines, ...cancelLines];
  const differenceTotal = doc.bill.total.minor - before.bill.total.minor;
  const difference: BillRecord = {
    ...billRecord(key, n + 2, { ...doc, bill: { ...doc.bill, lines, total: { ...doc.bill.total, minor: differenceTotal } } }, status, now,
      issuer, shared),
    kind: 'difference',
  };
  return [cancellation, rebill, difference];
}

/** The bill in force for a period: the last document of kind `bill` (a rebill supersedes what it replaces). */
export const currentBill = (documents: readonly BillRecord[]): BillRecord | undefined => documents.filter((d) => d.kind === 'bill').at(-1);
