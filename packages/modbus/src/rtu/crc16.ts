// CRC-16 of Modbus RTU (Modbus over Serial Line V1.02 §6.2.2): polynomial 0x8005 processed
// bit-reflected (0xA001), initial value 0xFFFF, no final XOR. The low byte goes on the wire first.
// A 256-entry table trades 512 bytes for one lookup per byte instead of eight shifts.

const POLYNOMIAL_REFLECTED = 0xa001;
const INITIAL = 0xffff;

const table = ((): Uint16Array => {
  const entries = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc & 1) !== 0 ? (crc >>> 1) ^ POLYNOMIAL_REFLECTED : crc >>> 1;
    entries[byte] = crc;
  }
  return entries;
})();

/** The CRC of `bytes[start, end)` as a 16-bit number (low byte is sent first). */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = INITIAL;
  for (let index = start; index < end; index++) {
    crc = (crc >>> 8) ^ (table[(crc ^ (bytes[index] ?? 0)) & 0xff] ?? 0);
  }
  return crc;
}

/** True when the last two bytes of `bytes[start, end)` are the CRC of the bytes before them. */
export function hasValidCrc(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start < 3) return false;
  const crc = crc16(bytes, start, end - 2);
  return (bytes[end - 2] ?? -1) === (crc & 0xff) && (bytes[end - 1] ?? -1) === crc >>> 8;
}

/** Folds one more byte into a running CRC (start from 0xFFFF), for incremental scans. */
export function crc16Update(crc: number, byte: number): number {
  return (crc >>> 8) ^ (table[(crc ^ byte) & 0xff] ?? 0);
}

export const CRC16_INITIAL = INITIAL;
