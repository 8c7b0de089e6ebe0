// What a demo meter carries over a restart: the time of its last reading and its energy registers,
// so that its clock and its registers go on where they stopped. The demo writes it into the meter's
// agent directory when it stops; its last readings may still be in the agent's queue then, so the
// head-end's store alone would restart the registers below them. A demo that was killed, or a file
// that cannot be read, falls back to the meter's latest stored readings.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findQuantity, type Reading } from '@phasewire/core';
import { energyRegisterKeys, type EnergyRegisterKey, type RegisterValues, type SimulatedMeter } from '@phasewire/meter';

export interface CarriedOver {
  /** The meter's last reading time, epoch ms (0: none). */
  readonly at: number;
  /** Wh and varh by register key. */
  readonly registers: Partial<Record<EnergyRegisterKey, number>>;
}

const fileName = 'demo-carry-over.json';

const energyOnly = (values: Partial<RegisterValues>): Partial<Record<EnergyRegisterKey, number>> => {
  const registers: Partial<Record<EnergyRegisterKey, number>> = {};
  for (const key of energyRegisterKeys) {
    const value = values[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) registers[key] = value;
  }
  return registers;
};

/** The energy registers and last time among a meter's latest stored readings (the catalogue's units are the simulator's). */
export function carriedFromStore(readings: readonly Reading[]): CarriedOver {
  const values: Partial<Record<string, number>> = {};
  for (const reading of readings) {
    const key = findQuantity(reading.quantity)?.key;
    if (key !== undefined) values[key] = reading.value;
  }
  return { at: Math.max(0, ...readings.map((r) => r.at)), registers: energyOnly(values) };
}

/** What the demo wrote for the meter at its last stop, or undefined (none, or not readable). */
export async function readCarriedOver(dataDir: string): Promise<CarriedOver | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(dataDir, fileName), 'utf8')) as { at?: unknown; registers?: unknown };
    if (typeof parsed.at !== 'number' || typeof parsed.registers !== 'object' || parsed.registers === null) return undefined;
    return { at: parsed.at, registers: energyOnly(parsed.registers) };
  } catch {
    return undefined;
  }
}

/** Writes where the meter stands now (after its agent stopped: nothing reads it any more). */
export async function writeCarriedOver(dataDir: string, meter: SimulatedMeter): Promise<void> {
  const carried: CarriedOver = { at: meter.state().time, registers: energyOnly(meter.registers()) };
  await writeFile(join(dataDir, fileName), `${JSON.stringify(carried)}\n`);
}
