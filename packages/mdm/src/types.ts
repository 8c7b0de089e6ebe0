// The plain data of meter data management: what validation, estimation and editing (VEE) take and
// give back. Everything here is data (no behaviour), so the store can persist it as it is and the
// rules stay pure: they take these values and a clock value and return new values.
//
// Times are milliseconds since the Unix epoch (UTC), as `Reading.at`. An interval is named by its
// end: the interval at `t` covers (t − intervalMs, t], the energy used in it is the register at `t`
// minus the register at `t − intervalMs`.
import type { Amperes, Hertz, MeterId, Volts, WattHours } from '@phasewire/core';
import type { RuleId } from './vee/rule-ids.ts';

/**
 * The quality of one value, as the store keeps it:
 * - `measured`: as the meter sent it, not yet validated;
 * - `validated`: passed every rule, or was corrected by exact arithmetic (rollover, exchange);
 * - `estimated`: filled in by an estimation method (see `method`);
 * - `edited`: set by a person, with a reason, in the audit trail;
 * - `missing`: no usable value (never sent, or rejected by a rule);
 * - `suspect`: a value is kept but a rule doubts it (a spike, consumption while disconnected).
 */
export type QualityCode = 'measured' | 'validated' | 'estimated' | 'edited' | 'missing' | 'suspect';

export const qualityCodes: readonly QualityCode[] = ['measured', 'validated', 'estimated', 'edited', 'missing', 'suspect'];

/** A half-open span of time [from, to). */
export interface Period {
  readonly from: number;
  readonly to: number;
}

/** One read of a cumulative register (Wh or varh), as the meter sent it. */
export interface RegisterRead {
  /** The meter's timestamp of the read. */
  readonly at: number;
  readonly value: number;
  /** When the head-end received it, by the head-end's clock; absent when unknown. */
  readonly receivedAt?: number;
  /** When the meter sent it, by the meter's clock (the batch's send time); absent when unknown. */
  readonly sentAt?: number;
  /** Serial number of the device that produced the read; a change is a meter exchange. */
  readonly serial?: string;
}

/** A recorded meter exchange: the old meter's last read and the new meter's first. */
export interface MeterExchange {
  /** When the exchange happened (between two reads of the channel). */
  readonly at: number;
  readonly oldSerial?: string;
  readonly newSerial?: string;
  /** The removed meter's register at removal, Wh. */
  readonly oldFinalRead: number;
  /** The installed meter's register at installation, Wh (near zero for a new meter). */
  readonly newInitialRead: number;
}

/** What VEE and the analytics need to know about a metering point. */
export interface MeterMetadata {
  readonly meter: MeterId;
  /** Length of an interval, ms; divides a day (15 min = 900 000). */
  readonly intervalMs: number;
  /** Declared line-to-neutral supply voltage Udin (IEC 61000-4-30 §3.6), V. */
  readonly nominalVoltage: Volts;
  readonly nominalFrequency: Hertz;
  /**
   * Current transformer ratio, primary over secondary (200/5 A → 40); 1 for a direct meter.
   * Readings are taken as primary values (the meter applies the ratio); the ratio scales
   * `maxCurrent` to the primary side.
   */
  readonly ctRatio: number;
  /** The largest current the meter measures (Imax), on its own (secondary) side, A. */
  readonly maxCurrent: Amperes;
  /** The register wraps to 0 at this value: 10^n times its resolution (8 digits of 0.1 kWh → 1e10 Wh). */
  readonly registerModulus: WattHours;
  /** Spans in which the supply was disconnected by command; consumption then is suspect. */
  readonly disconnected: readonly Period[];
  readonly exchanges: readonly MeterExchange[];
  /** Alarm configuration groups the meter belongs to, most general first. */
  readonly groups: readonly string[];
  /** When the meter was installed (ms since the epoch), when known: VEE estimates nothing before it. */
  readonly installedAt?: number;
}

/** What an estimation method is called in a value's provenance. */
export type EstimationMethod = 'EST-LINEAR' | 'EST-LIKE-DAY';

/** One change to a value: which rule made it, from what to what, and why. */
export interface ProvenanceEntry {
  readonly rule: RuleId;
  readonly from: number | null;
  readonly to: number | null;
  /** The quality after the change. */
  readonly quality: QualityCode;
  readonly reason: string;
  /** Who made the change, for edits; rules act for `vee`. */
  readonly actor?: string;
}

/** A value as it was before a later run or an edit replaced it: kept, never overwritten. */
export interface SupersededValue {
  readonly value: number | null;
  readonly quality: QualityCode;
  readonly method?: EstimationMethod;
  readonly provenance: readonly ProvenanceEntry[];
  /** The clock value when it was replaced. */
  readonly supersededAt: number;
}

/** One interval of a channel after VEE: the final value and how it came to be. */
export interface FinalInterval {
  /** End of the interval. */
  readonly at: number;
  /** Energy in the interval, Wh; null when missing. */
  readonly value: number | null;
  readonly quality: QualityCode;
  /** What a logger would show: the plain register difference, null when a read is absent. */
  readonly raw: number | null;
  readonly method?: EstimationMethod;
  /** Every change from `raw` to `value`, in order; empty when the raw value passed every rule. */
  readonly provenance: readonly ProvenanceEntry[];
  /** Earlier versions of this interval, oldest first. */
  readonly history: readonly SupersededValue[];
}

/**
 * What a rule did: `flag` notes without changing anything; `suspect` keeps the value but doubts it;
 * `reject` removes it; `correct` replaces it by exact arithmetic; `drop` removes a redundant read;
 * `estimate` fills a missing value.
 */
export type FindingAction = 'flag' | 'suspect' | 'reject' | 'correct' | 'drop' | 'estimate';

/** A rule's result on one read, interval or span. */
export interface Finding {
  readonly rule: RuleId;
  /** The read or interval end the finding is about (the start of a span for span findings). */
  readonly at: number;
  /** For findings about a span (a gap, a day): its end. */
  readonly to?: number;
  readonly action: FindingAction;
  readonly reason: string;
}

/** An interval value from earlier runs, for profiles (spike detection, like-day estimation). */
export interface PastInterval {
  readonly at: number;
  readonly value: number | null;
  readonly quality: QualityCode;
}
