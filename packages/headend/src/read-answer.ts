// The answer of a `read` command as the head-end hands it to the API and the CLI. The meter sends
// its on-demand reading as a wire batch (scaled integers by packed OBIS code, core's WireBatch); the
// head-end decodes it at this trust boundary with core's `fromWireBatch` and answers the quantities
// by OBIS code, each value in the quantity's base unit with the unit named:
//   { at: '2026-01-15T10:05:00.000Z', values: { '1-0:32.7.0': { key: 'voltageL1', value: 231.2, unit: 'V' }, … } }
// A batch of several snapshots answers the latest one.
import { DecodeError, findQuantity, fromWireBatch, roundToResolution, type UnitSymbol } from '@phasewire/core';

export interface ReadValue {
  /** The catalogue key of the quantity (`voltageL1`). */
  readonly key: string;
  /** In the quantity's base unit, at its resolution. */
  readonly value: number;
  readonly unit: UnitSymbol;
}

export interface ReadAnswer {
  /** The reading's time (meter clock), ISO 8601 UTC. */
  readonly at: string;
  /** By OBIS code. */
  readonly values: Readonly<Record<string, ReadValue>>;
}

/**
 * The answer of `device` to a read command (its response's fields besides id and ok); throws
 * DecodeError when it holds no reading of the device.
 */
export function readAnswer(device: string, result: Readonly<Record<string, unknown>> | undefined): ReadAnswer {
  const batch = fromWireBatch(result?.['batch']);
  if (batch.meter !== device) {
    throw new DecodeError('PW_ERR_BATCH_INVALID', `Cannot take the read answer of ${device}: its reading is of meter ${batch.meter}`);
  }
  const latest = batch.snapshots.reduce((a, b) => (b.at > a.at ? b : a));
  const values: Record<string, ReadValue> = {};
  for (const [code, value] of latest.values) {
    // fromWireBatch admits catalogue quantities only.
    const quantity = findQuantity(code);
    if (quantity !== undefined) values[code] = { key: quantity.key, value: roundToResolution(code, value), unit: quantity.unit };
  }
  return { at: new Date(latest.at).toISOString(), values };
}
