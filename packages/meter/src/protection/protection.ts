// Local protection: the functions of docs/protection.md evaluated on each measurement, a trip that
// opens the load relay where the meter is (no round trip), and the record of it: the sequence of
// events from the first pickup to the trip, with the values before the trip. Pure: time is the
// caller's (the meter's simulated time, or a gateway's poll time), in ms.
import { lvur, maxDeviationRatio } from '@phasewire/core';
import { limitsLoad, type LoadLimit, type ProtectionSettings } from '@phasewire/core/protocol';
import { DefiniteTimeElement, InverseTimeElement, type ElementChange } from './elements.ts';
import { voltageSequence, type ProtectionInput } from './protection-input.ts';

export type ProtectionFunction = 'phase-loss' | 'undervoltage' | 'overvoltage' | 'voltage-unbalance' | 'voltage-unbalance-warning'
  | 'phase-sequence' | 'current-unbalance' | 'single-phasing' | 'overcurrent' | 'neutral-overcurrent' | 'load-limit';

/** One entry of the sequence of events. */
export interface SequenceEvent {
  readonly at: number;
  readonly fn: ProtectionFunction;
  readonly change: ElementChange | 'warn';
  /** The value the function judged (its unit in docs/protection.md). */
  readonly value: number;
}

/** The values protection saw at one instant, rounded for the record. */
export interface ProtectionValues {
  readonly voltage: readonly number[];
  /** Voltage angles, degrees, L1 = 0. */
  readonly voltageAngle: readonly number[];
  readonly current: readonly number[];
  readonly currentAngle: readonly number[];
  readonly neutral: number;
  /** NEMA MG 1 line voltage unbalance, ratio. */
  readonly voltageUnbalance: number;
  readonly currentUnbalance: number;
  readonly sequence: 'positive' | 'negative';
}

export interface TripRecord {
  readonly at: number;
  readonly fn: ProtectionFunction;
  /** What tripped, in words. */
  readonly reason: string;
  readonly value: number;
  readonly pickup: number;
  readonly settingsVersion: number;
  /** The values at the trip (the measurement that decided it, before the relay opened). */
  readonly values: ProtectionValues;
  /** The values at the measurement before it. */
  readonly before?: ProtectionValues;
  /** Pickups, dropouts and warnings from the earliest element still picked up to the trip. */
  readonly events: readonly SequenceEvent[];
}

/** NEMA MG 1-2016 Figure 14-1 (§14.35.2): derating factor by percent voltage unbalance, read off the curve. */
const deratingCurve: readonly (readonly [number, number])[] = [[0, 1], [1, 1], [2, 0.95], [3, 0.89], [4, 0.82], [5, 0.75]];

/** The NEMA MG 1 derating factor at a line voltage unbalance (ratio); undefined above 5 %, where MG 1 advises against running. */
export function nemaDerating(unbalance: number): number | undefined {
  const percent = unbalance * 100;
  for (let k = 1; k < deratingCurve.length; k++) {
    const [x1, y1] = deratingCurve[k] ?? [0, 0];
    const [x0, y0] = deratingCurve[k - 1] ?? [0, 0];
    if (percent <= x1) return y0 + ((y1 - y0) * (percent - x0)) / (x1 - x0);
  }
  return undefined;
}

const round = (x: number, steps = 1000): number => Math.round(x * steps) / steps;

function valuesOf(input: ProtectionInput): ProtectionValues {
  const angle = (re: number, im: number): number => round((Math.atan2(im, re) * 180) / Math.PI, 100);
  const v1 = angle(input.voltageRe[0] ?? 0, input.voltageIm[0] ?? 0);
  const rel = (a: number): number => round(((a - v1 + 540) % 360) - 180, 100);
  const seq = voltageSequence(input);
  return {
    voltage: [...input.voltage].map((x) => round(x, 100)),
    voltageAngle: [0, 1, 2].map((p) => rel(angle(input.voltageRe[p] ?? 0, input.voltageIm[p] ?? 0))),
    current: [...input.current].map((x) => round(x)),
    currentAngle: [0, 1, 2].map((p) => rel(angle(input.currentRe[p] ?? 0, input.currentIm[p] ?? 0))),
    neutral: round(input.neutral),
    voltageUnbalance: round(lvur([input.line[0] ?? 0, input.line[1] ?? 0, input.line[2] ?? 0]).value, 1e5),
    currentUnbalance: round(maxDeviationRatio([input.current[0] ?? 0, input.current[1] ?? 0, input.current[2] ?? 0]), 1e4),
    sequence: seq.negative > seq.positive ? 'negative' : 'positive',
  };
}

/** The relay protection opens (LoadRelay satisfies it). */
export interface TripRelay {
  readonly state: 'open' | 'closed';
  open(): void;
}

export interface ProtectionStatus {
  readonly armed: boolean;
  readonly settingsVersion: number;
  /** Functions picked up now (timing towards a trip). */
  readonly pickedUp: readonly ProtectionFunction[];
  readonly warning: boolean;
  /** NEMA MG 1 line voltage unbalance at the last evaluation, and its derating factor (undefined: above 5 %). */
  readonly voltageUnbalance: number;
  readonly derating: number | undefined;
  readonly lastTrip?: TripRecord;
}

const maxTrips = 32;
/** The sequence of events a trip record keeps: its last 16 (a record stays within the head-end's 4 KiB of event JSON). */
const maxEvents = 16;

export class Protection {
  #s: ProtectionSettings;
  readonly #relay: TripRelay;
  #armed = true;
  readonly #trips: TripRecord[] = [];
  #events: SequenceEvent[] = [];
  #before: ProtectionValues | undefined;
  #last: ProtectionInput | undefined;
  #unbalance = 0;
  #warning = false;
  #loadLimit: LoadLimit | undefined;
  readonly #dt: Record<Exclude<ProtectionFunction, 'overcurrent'>, DefiniteTimeElement>;
  readonly #overcurrent: InverseTimeElement;

  constructor(settings: ProtectionSettings, relay: TripRelay) {
    this.#s = settings;
    this.#relay = relay;
    const el = (sense: 'over' | 'under'): DefiniteTimeElement => new DefiniteTimeElement(sense, 0, 0, 0);
    this.#dt = {
      'phase-loss': el('under'), undervoltage: el('under'), overvoltage: el('over'), 'voltage-unbalance': el('over'),
      'voltage-unbalance-warning': el('over'), 'phase-sequence': el('over'), 'current-unbalance': el('over'), 'single-phasing': el('over'),
      'neutral-overcurrent': el('over'), 'load-limit': el('over'),
    };
    const oc = settings.overcurrent;
    this.#overcurrent = new InverseTimeElement(oc.curve, oc.pickup, oc.tms, oc.resetMs, settings.hysteresis);
    this.#configure();
  }

  get settings(): ProtectionSettings {
    return this.#s;
  }

  /** New settings take effect at the next evaluation; elements timing now start again. */
  setSettings(settings: ProtectionSettings): void {
    this.#s = settings;
    this.#configure();
    this.#resetElements();
  }

  /** The load limit (docs/protection.md, "Load limiting"), or undefined when none is set. */
  get loadLimit(): LoadLimit | undefined {
    return this.#loadLimit;
  }

  /**
   * Sets or clears the load limit; it takes effect at the next evaluation. Load limiting is the
   * supplier's policy, not protection: it acts armed or disarmed.
   */
  setLoadLimit(limit: LoadLimit | undefined): void {
    this.#loadLimit = limit;
    this.#dt['load-limit'].set(1, limit?.delayMs ?? 0, this.#s.hysteresis);
    this.#dt['load-limit'].reset();
  }

  get armed(): boolean {
    return this.#armed;
  }

  /** Disarmed, the functions still measure (warnings, status) but never trip. */
  setArmed(armed: boolean): void {
    this.#armed = armed;
    if (!armed) this.#resetElements();
  }

  /** Trip records, oldest first (the last 32). */
  get trips(): readonly TripRecord[] {
    return this.#trips;
  }

  status(): ProtectionStatus {
    const elements = this.#dt;
    const pickedUp = (Object.keys(elements) as (keyof typeof elements)[]).filter((fn) => elements[fn].pickedUpAt !== undefined);
    const lastTrip = this.#trips.at(-1);
    return {
      armed: this.#armed, settingsVersion: this.#s.version,
      pickedUp: this.#overcurrent.elapsed > 0 ? [...pickedUp, 'overcurrent'] : pickedUp,
      warning: this.#warning, voltageUnbalance: this.#unbalance, derating: nemaDerating(this.#unbalance),
      ...(lastTrip === undefined ? {} : { lastTrip }),
    };
  }

  /**
   * Why the relay must not close now, or undefined: a reversed phase sequence (a motor would turn
   * backwards) or a lost phase (it would single-phase), on the last measurement of the supply side.
   */
  closeBlockedBy(): string | undefined {
    const input = this.#last;
    if (input === undefined) return undefined;
    const s = this.#s;
    const seq = voltageSequence(input);
    if (s.phaseSequence.enabled && seq.negative > seq.positive) {
      return 'the supply\'s phase sequence is reversed (L1-L3-L2): a motor would turn backwards';
    }
    const lowest = Math.min(input.voltage[0] ?? 0, input.voltage[1] ?? 0, input.voltage[2] ?? 0);
    if (s.phaseLoss.enabled && lowest < s.phaseLoss.pickup * s.nominalVoltage) {
      return `a phase is lost (lowest phase voltage ${lowest.toFixed(1)} V, under ${s.phaseLoss.pickup * s.nominalVoltage} V)`;
    }
    return undefined;
  }

  /** Judges one measurement at time t (ms); returns the trip it caused, if any (the relay is open then). */
  evaluate(t: number, input: ProtectionInput): TripRecord | undefined {
    const s = this.#s;
    this.#last = input;
    const line = [input.line[0] ?? 0, input.line[1] ?? 0, input.line[2] ?? 0] as const;
    this.#unbalance = lvur(line).value;
    const values = this.#before;
    if (this.#relay.state === 'open') {
      // Nothing flows: nothing to protect; the supply is still watched for closing (closeBlockedBy).
      this.#resetElements();
      this.#before = undefined;
      return undefined;
    }
    const un = s.nominalVoltage;
    const inRated = s.ratedCurrent;
    const v = [input.voltage[0] ?? 0, input.voltage[1] ?? 0, input.voltage[2] ?? 0] as const;
    const i = [input.current[0] ?? 0, input.current[1] ?? 0, input.current[2] ?? 0] as const;
    const lowest = Math.min(...v) / un;
    const highest = Math.max(...v) / un;
    const seq = voltageSequence(input);
    const average = (i[0] + i[1] + i[2]) / 3;
    const loaded = average >= s.currentUnbalance.minimumCurrent * inRated;
    const trips: [ProtectionFunction, number][] = [];
    const step = (fn: Exclude<ProtectionFunction, 'overcurrent'>, on: boolean, value: number): void => {
      const element = this.#dt[fn];
      const change = on ? element.update(t, value) : (element.pickedUpAt === undefined ? undefined : (element.reset(), 'dropout' as const));
      if (change === undefined) return;
      if (fn === 'voltage-unbalance-warning') {
        if (change === 'operate') this.#warning = true;
        if (change === 'dropout') this.#warning = false;
        this.#note({ at: t, fn, change: change === 'operate' ? 'warn' : change, value });
        return;
      }
      this.#note({ at: t, fn, change, value });
      if (change === 'operate') trips.push([fn, value]);
    };
    step('phase-loss', s.phaseLoss.enabled, lowest);
    step('undervoltage', s.undervoltage.enabled, lowest);
    step('overvoltage', s.overvoltage.enabled, highest);
    step('voltage-unbalance-warning', s.voltageUnbalance.enabled, this.#unbalance);
    step('voltage-unbalance', s.voltageUnbalance.enabled, this.#unbalance);
    step('phase-sequence', s.phaseSequence.enabled, seq.negative > seq.positive ? 1 : 0);
    step('current-unbalance', s.currentUnbalance.enabled && loaded, average === 0 ? 0 : maxDeviationRatio(i));
    // Single phasing: one line carries under 5 % of the average while the motor is loaded.
    step('single-phasing', s.currentUnbalance.enabled && loaded, Math.min(...i) < 0.05 * average ? 1 : 0);
    step('neutral-overcurrent', s.neutralOvercurrent.enabled, input.neutral / inRated);
    const load = this.#loadOf(input);
    step('load-limit', load !== undefined, load?.ratio ?? 0);
    if (s.overcurrent.enabled) {
      const change = this.#overcurrent.update(t, Math.max(...i) / inRated);
      if (change !== undefined) this.#note({ at: t, fn: 'overcurrent', change, value: Math.max(...i) / inRated });
      if (change === 'operate') trips.push(['overcurrent', Math.max(...i) / inRated]);
    }
    const now = valuesOf(input);
    this.#before = now;
    const first = this.#armed ? trips[0] : trips.find(([fn]) => fn === 'load-limit');
    if (first === undefined) return undefined;
    return this.#trip(t, first[0], first[1], now, values, first[0] === 'load-limit' ? load?.reason : undefined);
  }

  /** The load against the load limit: the larger of current over its limit and demand over its limit. */
  #loadOf(input: ProtectionInput): { readonly ratio: number; readonly reason: string } | undefined {
    const limit = this.#loadLimit;
    if (!limitsLoad(limit)) return undefined;
    const current = Math.max(input.current[0] ?? 0, input.current[1] ?? 0, input.current[2] ?? 0);
    let demand = 0;
    for (let p = 0; p < 3; p++) {
      demand += (input.voltageRe[p] ?? 0) * (input.currentRe[p] ?? 0) + (input.voltageIm[p] ?? 0) * (input.currentIm[p] ?? 0);
    }
    const byCurrent = limit.current === undefined ? 0 : current / limit.current;
    const byDemand = limit.demand === undefined ? 0 : demand / limit.demand;
    const reason = byCurrent >= byDemand
      ? `load limit: highest line current ${current.toFixed(1)} A, over the limit of ${String(limit.current)} A`
      : `load limit: demand ${(demand / 1000).toFixed(2)} kW, over the limit of ${((limit.demand ?? 0) / 1000).toFixed(2)} kW`;
    return { ratio: Math.max(byCurrent, byDemand), reason: `${reason} (limit version ${limit.version})` };
  }

  #trip(t: number, fn: ProtectionFunction, value: number, values: ProtectionValues, before: ProtectionValues | undefined,
    reason?: string): TripRecord {
    const pickup = fn === 'overcurrent' ? this.#overcurrent.pickup : this.#dt[fn].pickup;
    const record: TripRecord = {
      at: t, fn, reason: reason ?? reasonOf(fn, value, pickup), value: round(value, 1e4), pickup, settingsVersion: this.#s.version, values,
      ...(before === undefined ? {} : { before }), events: this.#events,
    };
    this.#relay.open();
    this.#trips.push(record);
    if (this.#trips.length > maxTrips) this.#trips.shift();
    this.#resetElements();
    return record;
  }

  #note(event: SequenceEvent): void {
    this.#events.push(event);
    if (this.#events.length > maxEvents) this.#events.shift();
  }

  #resetElements(): void {
    for (const element of Object.values(this.#dt)) element.reset();
    this.#overcurrent.reset();
    this.#events = [];
    this.#warning = false;
  }

  #configure(): void {
    const s = this.#s;
    const h = s.hysteresis;
    this.#dt['phase-loss'].set(s.phaseLoss.pickup, s.phaseLoss.delayMs, h);
    this.#dt.undervoltage.set(s.undervoltage.pickup, s.undervoltage.delayMs, h);
    this.#dt.overvoltage.set(s.overvoltage.pickup, s.overvoltage.delayMs, h);
    this.#dt['voltage-unbalance-warning'].set(s.voltageUnbalance.warn, s.voltageUnbalance.warnDelayMs, h);
    this.#dt['voltage-unbalance'].set(s.voltageUnbalance.trip, s.voltageUnbalance.tripDelayMs, h);
    this.#dt['phase-sequence'].set(0.5, s.phaseSequence.delayMs, 0);
    this.#dt['current-unbalance'].set(s.currentUnbalance.pickup, s.currentUnbalance.delayMs, h);
    this.#dt['single-phasing'].set(0.5, s.currentUnbalance.singlePhasingDelayMs, 0);
    this.#dt['neutral-overcurrent'].set(s.neutralOvercurrent.pickup, s.neutralOvercurrent.delayMs, h);
    this.#dt['load-limit'].set(1, this.#loadLimit?.delayMs ?? 0, h);
    const oc = s.overcurrent;
    this.#overcurrent.set(oc.curve, oc.pickup, oc.tms, oc.resetMs, h);
  }
}

function reasonOf(fn: ProtectionFunction, value: number, pickup: number): string {
  const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;
  switch (fn) {
    case 'phase-loss': return `phase lost: lowest phase voltage ${value.toFixed(3)} pu, under ${pickup} pu`;
    case 'undervoltage': return `undervoltage: lowest phase voltage ${value.toFixed(3)} pu, under ${pickup} pu`;
    case 'overvoltage': return `overvoltage: highest phase voltage ${value.toFixed(3)} pu, over ${pickup} pu`;
    case 'voltage-unbalance':
    case 'voltage-unbalance-warning': {
      const derating = nemaDerating(value);
      return `voltage unbalance ${pct(value)} (NEMA MG 1), over ${pct(pickup)}; derating factor `
        + (derating === undefined ? 'none: above 5 %, MG 1 advises against running' : derating.toFixed(2));
    }
    case 'phase-sequence': return 'reversed phase sequence (L1-L3-L2)';
    case 'current-unbalance': return `current unbalance ${pct(value)}, over ${pct(pickup)}`;
    case 'single-phasing': return 'single phasing: one line carries under 5 % of the average current';
    case 'overcurrent': return `over-current ${value.toFixed(2)} × In, pickup ${pickup} × In (inverse time)`;
    case 'neutral-overcurrent': return `neutral over-current ${value.toFixed(3)} × In, over ${pickup} × In`;
    case 'load-limit': return `load limit: load ${value.toFixed(2)} × the limit`;
  }
}
