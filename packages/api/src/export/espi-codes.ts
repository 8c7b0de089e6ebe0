// The codes of NAESB REQ.21 ESPI 3.3 that the Green Button export writes, named, each with the
// simple type of usage.xsd it comes from (schemas/greenbutton/usage.xsd; the numbers are the
// enumeration values there, which follow IEC 61968-9 ReadingType).
import type { ObisCode } from '@phasewire/core';
import type { IntervalQuality } from '@phasewire/store';

export const espiNamespace = 'http://naesb.org/espi';
export const atomNamespace = 'http://www.w3.org/2005/Atom';

/** usage.xsd ServiceKind. */
export const ServiceKind = { electricity: 0 } as const;

/** usage.xsd AccumulationKind: 4 `deltaData`, the change of a register over the interval. */
export const AccumulationKind = { deltaData: 4 } as const;

/** usage.xsd CommodityKind: 1 electricity, secondary metered (what the meter itself measures). */
export const CommodityKind = { electricitySecondaryMetered: 1 } as const;

/** usage.xsd MeasurementKind. */
export const MeasurementKind = { demand: 8, energy: 12 } as const;

/** usage.xsd UnitSymbolKind. */
export const UnitSymbolKind = { W: 38, Wh: 72, VArh: 73 } as const;

/** usage.xsd UnitMultiplierKind: the power of ten a value is scaled by. */
export const UnitMultiplierKind = { milli: -3, none: 0 } as const;

/**
 * usage.xsd FlowDirectionKind: 1 forward (delivered, imported), 19 reverse (received, exported),
 * 5 reactive positive quadrants (QI + QII), 13 reactive negative quadrants (QIII + QIV).
 */
export const FlowDirectionKind = { forward: 1, lagging: 5, leading: 13, reverse: 19 } as const;

/** usage.xsd QualityOfReading. */
export const QualityOfReading = {
  valid: 0,
  manuallyEdited: 7,
  estimatedUsingReferenceDay: 8,
  failedChecks: 10,
  mixed: 13,
  notValidated: 14,
  validatedEditedEstimated: 17,
} as const;

/**
 * usage.xsd ItemKind, the class of a bill line: 1 energy generation fee, 2 delivery fee, 3 usage
 * fee, 4 administrative fee, 5 tax, 6 energy generation credit.
 */
export const ItemKind = { generationFee: 1, deliveryFee: 2, usageFee: 3, administrativeFee: 4, tax: 5, generationCredit: 6 } as const;

/** What each register of the OBIS catalogue is in ESPI: its unit and flow direction. */
export interface RegisterReadingType {
  readonly uom: number;
  readonly flowDirection: number;
  readonly title: string;
}

export const registerReadingTypes: ReadonlyMap<ObisCode, RegisterReadingType> = new Map([
  ['1-0:1.8.0' as ObisCode, { uom: UnitSymbolKind.Wh, flowDirection: FlowDirectionKind.forward, title: 'Active energy import' }],
  ['1-0:2.8.0' as ObisCode, { uom: UnitSymbolKind.Wh, flowDirection: FlowDirectionKind.reverse, title: 'Active energy export' }],
  ['1-0:3.8.0' as ObisCode, { uom: UnitSymbolKind.VArh, flowDirection: FlowDirectionKind.lagging, title: 'Reactive energy import' }],
  ['1-0:4.8.0' as ObisCode, { uom: UnitSymbolKind.VArh, flowDirection: FlowDirectionKind.leading, title: 'Reactive energy export' }],
]);

/**
 * The ReadingQuality an interval carries; null for `validated`, which the ReadingType's
 * defaultQuality (valid) already says. A missing interval has no IntervalReading at all.
 */
export const readingQualityOf: Readonly<Record<IntervalQuality, number | null>> = {
  validated: null,
  measured: QualityOfReading.notValidated,
  estimated: QualityOfReading.estimatedUsingReferenceDay,
  edited: QualityOfReading.manuallyEdited,
  suspect: QualityOfReading.failedChecks,
  missing: null,
};

/**
 * ISO 4217: numeric code (usage.xsd Currency) and minor-unit digits of the currencies a tariff may
 * bill in. ESPI amounts are in hundred-thousandths of the currency unit (usage.xsd, billLastPeriod).
 */
export const currencies: ReadonlyMap<string, { readonly numeric: number; readonly minorDigits: number }> = new Map([
  ['AUD', { numeric: 36, minorDigits: 2 }],
  ['CAD', { numeric: 124, minorDigits: 2 }],
  ['CHF', { numeric: 756, minorDigits: 2 }],
  ['DKK', { numeric: 208, minorDigits: 2 }],
  ['EUR', { numeric: 978, minorDigits: 2 }],
  ['GBP', { numeric: 826, minorDigits: 2 }],
  ['JPY', { numeric: 392, minorDigits: 0 }],
  ['NOK', { numeric: 578, minorDigits: 2 }],
  ['SEK', { numeric: 752, minorDigits: 2 }],
  ['USD', { numeric: 840, minorDigits: 2 }],
]);

/** ESPI amounts: hundred-thousandths (10^-5) of the currency unit. */
export const espiAmountDigits = 5;
