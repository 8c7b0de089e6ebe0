// The register chain: from a cumulative register's reads to the energy between each pair of trusted
// reads. This is where a logger shows "huge spikes or negative energy": a register that wraps at its
// modulus (VEE-ROLLOVER), a meter that is replaced by a new one starting near zero
// (VEE-METER-EXCHANGE), and a single bad read that jumps away and back (VEE-REGISTER-BACKWARDS).
//
// A step down is explained, in this order:
//   1. an exchange between the two reads (recorded, or the serial number changed): the energy is the
//      old meter's tail plus the new meter's head, exact when the exchange is recorded;
//   2. a wrap at the modulus, when the wrapped difference is energy the meter could have measured in
//      the time between: the energy is new + modulus − old;
//   3. a single bad read: the read after it continues from the one before it (it is rejected), or
//      the read before it was the bad one (that one is rejected);
//   4. a restart near zero without a record: a new meter (the energy across is unknown);
//   5. otherwise a register that went back and stays back: the energy across is unknown and the
//      lower value is the new baseline.
// A step up larger than the meter could measure (maximum power over the time between) is not
// trusted either (VEE-HIGH-LOW): its energy is unknown.
import type { Finding, MeterExchange, MeterMetadata, RegisterRead } from '../types.ts';
import { hourMs } from '../grid.ts';
import type { VeeParameters } from './parameters.ts';
import type { RuleId } from './rule-ids.ts';

/** The energy between two consecutive trusted reads. */
export interface RegisterStep {
  readonly from: number;
  readonly to: number;
  /** The plain difference of the two reads. */
  readonly raw: number;
  /** The energy used between them, Wh; null when it cannot be known. */
  readonly energy: number | null;
  /** The rule that made `energy` differ from `raw`, and why. */
  readonly correction?: { readonly rule: RuleId; readonly reason: string };
}

export interface RegisterChain {
  /** Reads the chain trusts, in time order. */
  readonly reads: readonly RegisterRead[];
  readonly steps: readonly RegisterStep[];
  readonly findings: readonly Finding[];
}

/** The largest energy, Wh, the meter can measure in `spanMs`. */
export function maxEnergyWh(meta: MeterMetadata, spanMs: number, p: VeeParameters): number {
  const maxPower = 3 * meta.nominalVoltage * meta.maxCurrent * meta.ctRatio;
  return (maxPower * p.maxPowerMargin * spanMs) / hourMs;
}

export function buildRegisterChain(reads: readonly RegisterRead[], meta: MeterMetadata, p: VeeParameters): RegisterChain {
  const findings: Finding[] = [];
  const trusted: RegisterRead[] = [];
  const steps: RegisterStep[] = [];
  const modulus = meta.registerModulus;
  const plausible = (energy: number, spanMs: number): boolean => energy >= 0 && energy <= maxEnergyWh(meta, spanMs, p);
  const reject = (rule: RuleId, read: RegisterRead, reason: string): void => {
    findings.push({ rule, at: read.at, action: 'reject', reason });
  };

  const stepTo = (last: RegisterRead, read: RegisterRead, energy: number | null, correction?: RegisterStep['correction']): void => {
    const raw = read.value - last.value;
    steps.push(correction === undefined ? { from: last.at, to: read.at, raw, energy }
      : { from: last.at, to: read.at, raw, energy, correction });
    trusted.push(read);
  };

  for (let i = 0; i < reads.length; i++) {
    const read = reads[i] as RegisterRead;
    const last = trusted.at(-1);
    if (last === undefined) {
      trusted.push(read);
      continue;
    }
    const next = reads[i + 1];
    const span = read.at - last.at;
    const delta = read.value - last.value;

    const exchange = exchangeBetween(meta.exchanges, last, read);
    if (exchange !== undefined) {
      stepTo(last, read, ...acrossExchange(exchange, last, read, meta, p, findings));
      continue;
    }
    if (last.serial !== undefined && read.serial !== undefined && last.serial !== read.serial) {
      const reason = `serial changed from ${last.serial} to ${read.serial} between ${last.at} and ${read.at} with no exchange record: the `
        + `old meter's last energy is unknown`;
      findings.push({ rule: 'VEE-METER-EXCHANGE', at: read.at, action: 'reject', reason });
      stepTo(last, read, null, { rule: 'VEE-METER-EXCHANGE', reason });
      continue;
    }
    if (delta >= 0) {
      if (plausible(delta, span)) {
        stepTo(last, read, delta);
      } else if (next !== undefined && next.value < read.value && plausible(next.value - last.value, next.at - last.at)) {
        reject('VEE-REGISTER-BACKWARDS', read, `read ${read.value} jumps ${delta} Wh above the read before (${last.value}) and the read `
          + `after (${next.value}) goes back below it: rejected as a bad read`);
      } else {
        const reason = `register rose ${delta} Wh in ${span} ms, more than the ${maxEnergyWh(meta, span, p).toFixed(1)} Wh the meter can `
          + `measure: energy unknown`;
        findings.push({ rule: 'VEE-HIGH-LOW', at: read.at, action: 'reject', reason });
        stepTo(last, read, null, { rule: 'VEE-HIGH-LOW', reason });
      }
      continue;
    }

    const wrapped = read.value + modulus - last.value;
    if (plausible(wrapped, span)) {
      const reason = `register wrapped at its modulus ${modulus} Wh: ${last.value} → ${read.value} is ${wrapped} Wh`;
      findings.push({ rule: 'VEE-ROLLOVER', at: read.at, action: 'correct', reason });
      stepTo(last, read, wrapped, { rule: 'VEE-ROLLOVER', reason });
      continue;
    }
    if (next !== undefined && next.value >= last.value && plausible(next.value - last.value, next.at - last.at)) {
      reject('VEE-REGISTER-BACKWARDS', read, `read ${read.value} is ${-delta} Wh below the read before (${last.value}) and the read after `
        + `(${next.value}) continues from that one: rejected as a bad read`);
      continue;
    }
    const before = trusted.at(-2);
    if (before !== undefined && read.value >= before.value && plausible(read.value - before.value, read.at - before.at)
      && (next === undefined || next.value >= read.value)) {
      reject('VEE-REGISTER-BACKWARDS', last,
        `read ${last.value} is above both the read before (${before.value}) and the read after (${read.value}): rejected as a bad read`);
      trusted.pop();
      steps.pop();
      stepTo(before, read, read.value - before.value);
      continue;
    }
    if (next === undefined && read.value > p.newMeterStartMaxWh) {
      reject('VEE-REGISTER-BACKWARDS', read, `read ${read.value} is ${-delta} Wh below the read before (${last.value}); no later read yet `
        + `shows which one is wrong: rejected until one does`);
      continue;
    }
    const restart = read.value <= p.newMeterStartMaxWh;
    const rule: RuleId = restart ? 'VEE-METER-EXCHANGE' : 'VEE-REGISTER-BACKWARDS';
    const reason = restart
      ? `register restarted at ${read.value} Wh (from ${last.value}) with no exchange record: a new meter; the old `
        + `meter's last energy is unknown`
      : `register went back ${-delta} Wh (${last.value} → ${read.value}) and stays back: energy across `
        + `unknown, ${read.value} is the new baseline`;
    findings.push({ rule, at: read.at, action: 'reject', reason });
    stepTo(last, read, null, { rule, reason });
  }
  return { reads: trusted, steps, findings };
}

function exchangeBetween(exchanges: readonly MeterExchange[], last: RegisterRead, read: RegisterRead): MeterExchange | undefined {
  return exchanges.find((e) => e.at > last.at && e.at <= read.at);
}

function acrossExchange(
  e: MeterExchange,
  last: RegisterRead,
  read: RegisterRead,
  meta: MeterMetadata,
  p: VeeParameters,
  findings: Finding[],
): [number | null, RegisterStep['correction']] {
  const tail = e.oldFinalRead - last.value;
  const head = read.value - e.newInitialRead;
  const energy = tail + head;
  if (tail < 0 || head < 0 || energy > maxEnergyWh(meta, read.at - last.at, p)) {
    const reason = `exchange record at ${e.at} (old meter final ${e.oldFinalRead}, new meter initial ${e.newInitialRead}) does not fit the `
      + `reads ${last.value} and ${read.value}: energy across unknown`;
    findings.push({ rule: 'VEE-METER-EXCHANGE', at: read.at, action: 'reject', reason });
    return [null, { rule: 'VEE-METER-EXCHANGE', reason }];
  }
  const reason = `meter exchanged at ${e.at}: old meter ${last.value} → ${e.oldFinalRead} (${tail} Wh) plus new meter ${e.newInitialRead} `
    + `→ ${read.value} (${head} Wh)`;
  findings.push({ rule: 'VEE-METER-EXCHANGE', at: read.at, action: 'correct', reason });
  return [energy, { rule: 'VEE-METER-EXCHANGE', reason }];
}
