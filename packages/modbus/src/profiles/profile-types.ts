// The typed form of a device profile: one meter model's register map, as the schema in
// parse-profile.ts admits it. Both the gateway (which polls meters by it) and the meter's Modbus
// slave (which serves a model's map) use these types, so they live beside the codec they drive.
import type { ObisCode, QuantityDefinition } from '@phasewire/core';
import type { WordOrder } from '../word-order.ts';

/** Register data types a profile may name; 64-bit integers are read as bigint and converted. */
export type PointType = 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'int64' | 'uint64' | 'float64';

export const pointTypes: readonly PointType[] = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'int64', 'uint64', 'float64'];

/** Function codes a profile reads values with: 3 holding registers, 4 input registers (MBAP-APP §6.3, §6.4). */
export type ReadFunction = 3 | 4;

/** A register's unit as the device reports it; each maps to a catalogue unit by a power of ten. */
export type DeviceUnit = 'V' | 'kV' | 'A' | 'mA' | 'W' | 'kW' | 'var' | 'kvar' | 'VA' | 'kVA' | 'Wh' | 'kWh' | 'MWh'
  | 'varh' | 'kvarh' | 'Hz' | '1' | '%' | 'deg';

/** A register holding a power-of-ten exponent that scales another (value × 10^exponent). */
export interface ScaleRegister {
  readonly functionCode: ReadFunction;
  readonly address: number;
  readonly type: 'int16';
}

/** One mapped quantity: where it sits, how it is encoded and what it means. */
export interface ProfilePoint {
  readonly quantity: QuantityDefinition;
  readonly obis: ObisCode;
  readonly functionCode: ReadFunction;
  /** PDU address (0-based), not the 30001/40001 register number of manuals. */
  readonly address: number;
  readonly type: PointType;
  readonly order: WordOrder;
  /** Raw value × scale gives the value in `unit`. */
  readonly scale: number;
  readonly unit: DeviceUnit;
  /** Value in `unit` × unitFactor gives the catalogue unit (kWh → Wh is 1000). */
  readonly unitFactor: number;
  readonly scaleRegister?: ScaleRegister;
}

/** What a profile's identify probe expects from the device. */
export type ProbeExpectation =
  | { readonly kind: 'equals'; readonly values: readonly number[] }
  | { readonly kind: 'text'; readonly prefix: string }
  | { readonly kind: 'responds' };

export type IdentifyProbe =
  | {
    readonly kind: 'register';
    readonly functionCode: ReadFunction;
    readonly address: number;
    /** Number types read one value; `ascii` reads `count` registers of text, two characters each. */
    readonly type: PointType | 'ascii';
    readonly count: number;
    readonly order: WordOrder;
    readonly expect: ProbeExpectation;
  }
  | {
    /** Read Device Identification (function 43, MEI type 14, MBAP-APP §6.21), one object. */
    readonly kind: 'device-id';
    readonly objectId: number;
    readonly expect: ProbeExpectation & { readonly kind: 'text' };
  };

export interface ProfileSource {
  readonly title: string;
  readonly version: string;
  readonly url: string;
}

export interface DeviceProfile {
  /** Short, file-name-safe model key (`sdm630`). */
  readonly model: string;
  readonly manufacturer: string;
  readonly name: string;
  /** The manufacturer's register map the profile was written from. */
  readonly source: ProfileSource;
  /** Other documents the addresses were checked against, if any. */
  readonly checkedAgainst: readonly string[];
  /** Most registers one read may ask for (the device's limit, at most 125 by MBAP-APP §6.3). */
  readonly maxRegistersPerRead: number;
  readonly timing: {
    /** Silence the device needs between frames beyond t3.5, ms. */
    readonly interFrameDelayMs: number;
    readonly responseTimeoutMs: number;
  };
  readonly identify: IdentifyProbe;
  readonly points: readonly ProfilePoint[];
}

/** Registers a value of `type` occupies. */
export function registersOf(type: PointType): number {
  switch (type) {
    case 'int16':
    case 'uint16':
      return 1;
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    default:
      return 4;
  }
}
