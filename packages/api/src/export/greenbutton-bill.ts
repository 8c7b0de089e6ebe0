// A bill as ESPI's UsageSummary (usage.xsd): the billing period, the bill's amount and each of its
// lines as a LineItem, the period's energy and peak demand, and the quality of the data behind it.
//
// Units, as usage.xsd says them: amounts are Int48 in hundred-thousandths of the currency unit
// (billLastPeriod: "in hundred-thousandths of the currency"), so a bill in cents is multiplied by
// 10^(5 − 2) = 1000 (12.34 EUR = 1234 cents = 1 234 000); times are seconds since the epoch;
// measurements are SummaryMeasurements with a unit and power of ten (energy in mWh, demand in mW,
// so that the bill's decimals to 10^-6 kWh and kW are carried exactly).
import { ValidationError } from '@phasewire/core';
import type { XmlWriter } from './xml-writer.ts';
import {
  CommodityKind, ItemKind, QualityOfReading, UnitMultiplierKind, UnitSymbolKind, espiAmountDigits,
} from './espi-codes.ts';

/**
 * What the export reads of a bill: a subset of the billing engine's `Bill` (mdm/billing/types.ts),
 * so that any Bill can be passed as it is.
 */
export interface GreenButtonBill {
  readonly currency: string;
  readonly period: { readonly start: string; readonly end: string };
  readonly total: { readonly minor: number };
  readonly lines: readonly {
    readonly kind: string;
    readonly description: string;
    readonly quantity: string;
    readonly unit: string;
    readonly amount: { readonly minor: number };
  }[];
  readonly determinants: {
    readonly from: number;
    readonly to: number;
    readonly importKwh: string;
    readonly quality: { readonly completeness: number; readonly estimatedShare: number; readonly editedShare: number };
    readonly parts: readonly { readonly demands: readonly { readonly quantity: string; readonly at: number | null }[] }[];
  };
  readonly hold: { readonly message: string } | null;
}

const leaf = (xml: XmlWriter, name: string, value: string | number): void => { xml.leaf(`espi:${name}`, value); };

/** `"12.3456"` × 10^shift as an integer, rounded half away from zero (exact: decimal digits, no binary float). */
export function scaledDecimal(decimal: string, shift: number): number {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(decimal);
  if (match === null)
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot read ${JSON.stringify(decimal)} as a decimal number (expected e.g. 12.5)`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  const digits = BigInt(whole + fraction.padEnd(shift, '0').slice(0, shift));
  const roundUp = (fraction[shift] ?? '0') >= '5' ? 1n : 0n;
  const value = Number(digits + roundUp);
  return sign === '-' && value !== 0 ? -value : value;
}

/** Minor units (cents) as ESPI hundred-thousandths of the currency unit. */
export const espiAmount = (minor: number, minorDigits: number): number => minor * 10 ** (espiAmountDigits - minorDigits);

const itemKinds: Readonly<Record<string, number>> = {
  'fixed': ItemKind.administrativeFee,
  'energy-flat': ItemKind.usageFee,
  'energy-tiered': ItemKind.usageFee,
  'energy-tou': ItemKind.usageFee,
  'demand': ItemKind.deliveryFee,
  'reactive-kvarh': ItemKind.deliveryFee,
  'power-factor': ItemKind.deliveryFee,
  'feed-in': ItemKind.generationCredit,
  'net-metering': ItemKind.generationCredit,
  'levy': ItemKind.tax,
  'tax': ItemKind.tax,
};

/** A line's quantity as a measurement, for the units ESPI has (kWh, kW, kvarh); none for days and percents. */
const lineUnits: Readonly<Record<string, number>> = { kWh: UnitSymbolKind.Wh, kW: UnitSymbolKind.W, kvarh: UnitSymbolKind.VArh };

function measurement(xml: XmlWriter, name: string, uom: number, milli: number, at?: number): void {
  xml.start(`espi:${name}`);
  leaf(xml, 'powerOfTenMultiplier', UnitMultiplierKind.milli);
  if (at !== undefined) leaf(xml, 'timeStamp', Math.floor(at / 1000));
  leaf(xml, 'uom', uom);
  leaf(xml, 'value', milli);
  xml.end();
}

/** Every demand of the bill's parts: the highest, with its time. */
function peakDemand(bill: GreenButtonBill): { kw: string; at: number } | undefined {
  let peak: { kw: string; at: number; milli: number } | undefined;
  for (const part of bill.determinants.parts) {
    for (const demand of part.demands) {
      const milli = scaledDecimal(demand.quantity, 6);
      if (demand.at !== null && (peak === undefined || milli > peak.milli)) peak = { kw: demand.quantity, at: demand.at, milli };
    }
  }
  return peak;
}

function summaryQuality(bill: GreenButtonBill): number {
  const { completeness, estimatedShare, editedShare } = bill.determinants.quality;
  if (completeness < 1) return QualityOfReading.mixed;
  return estimatedShare > 0 || editedShare > 0 ? QualityOfReading.validatedEditedEstimated : QualityOfReading.valid;
}

/** Writes the UsageSummary's elements, in usage.xsd's sequence, into the open element. */
export function addUsageSummary(
  node: XmlWriter,
  bill: GreenButtonBill,
  currency: { readonly numeric: number; readonly minorDigits: number },
  generatedAt: number,
): void {
  const { from, to } = bill.determinants;
  node.start('espi:billingPeriod');
  leaf(node, 'duration', Math.round((to - from) / 1000));
  leaf(node, 'start', Math.floor(from / 1000));
  node.end();
  leaf(node, 'billLastPeriod', espiAmount(bill.total.minor, currency.minorDigits));
  for (const line of bill.lines) {
    node.start('espi:costAdditionalDetailLastPeriod');
    leaf(node, 'amount', espiAmount(line.amount.minor, currency.minorDigits));
    leaf(node, 'note', line.description.slice(0, 256));
    const uom = lineUnits[line.unit];
    // kWh and kvarh to milli-units of Wh and varh: × 10^6; kW to mW likewise.
    if (uom !== undefined) measurement(node, 'measurement', uom, scaledDecimal(line.quantity, 6));
    leaf(node, 'itemKind', itemKinds[line.kind] ?? ItemKind.usageFee);
    node.end();
  }
  leaf(node, 'currency', currency.numeric);
  measurement(node, 'overallConsumptionLastPeriod', UnitSymbolKind.Wh, scaledDecimal(bill.determinants.importKwh, 6));
  const peak = peakDemand(bill);
  if (peak !== undefined) measurement(node, 'peakDemand', UnitSymbolKind.W, scaledDecimal(peak.kw, 6), peak.at);
  leaf(node, 'qualityOfReading', summaryQuality(bill));
  leaf(node, 'statusTimeStamp', Math.floor(generatedAt / 1000));
  leaf(node, 'commodity', CommodityKind.electricitySecondaryMetered);
}
