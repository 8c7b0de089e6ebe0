// Character time and the silent intervals of Modbus RTU (Modbus over Serial Line V1.02 §2.5.1.1).
// A frame is delimited by at least 3.5 character times of silence (t3.5); inside a frame the gap
// between two characters must not exceed 1.5 character times (t1.5). Above 19200 baud the spec
// fixes the timers at 750 µs (t1.5) and 1.75 ms (t3.5), because the computed ones become shorter
// than a UART's interrupt latency. The character time follows the real framing: 1 start bit, the
// data bits, a parity bit if any, and the stop bits (§2.5.1: 11 bits in the standard 8E1 or 8N2;
// 8N1, though not conforming, is common in the field and has 10).
import { ValidationError } from '@phasewire/core';

export type Parity = 'none' | 'even' | 'odd';

export interface SerialFraming {
  readonly baudRate: number;
  /** 7 or 8; RTU needs 8 (§2.5.1), 7 is accepted for the timing of odd devices. */
  readonly dataBits: 7 | 8;
  readonly parity: Parity;
  readonly stopBits: 1 | 2;
}

/** §2.5.1: the default RTU framing is 8 data bits, even parity, 1 stop bit. */
export const defaultFraming = (baudRate: number): SerialFraming => ({ baudRate, dataBits: 8, parity: 'even', stopBits: 1 });

export interface RtuTiming {
  readonly bitsPerCharacter: number;
  /** Milliseconds to send one character. */
  readonly characterMs: number;
  /** Longest gap allowed between two characters of one frame, in ms. */
  readonly t15Ms: number;
  /** Shortest silence that separates two frames, in ms. */
  readonly t35Ms: number;
}

/** §2.5.1.1: above this rate the fixed timer values apply. */
export const FIXED_TIMING_ABOVE_BAUD = 19_200;
/** §2.5.1.1: recommended fixed t1.5 above 19200 baud. */
export const FIXED_T15_MS = 0.75;
/** §2.5.1.1: recommended fixed t3.5 above 19200 baud. */
export const FIXED_T35_MS = 1.75;

export function rtuTiming(framing: SerialFraming): RtuTiming {
  // Checked as numbers: framings also come from configuration files, not only from typed code.
  const { baudRate, parity } = framing;
  const dataBits: number = framing.dataBits;
  const stopBits: number = framing.stopBits;
  if (!Number.isFinite(baudRate) || baudRate <= 0) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot derive RTU timing: baud rate ${baudRate} is not a positive number`);
  }
  if (dataBits !== 7 && dataBits !== 8) throw new ValidationError('PW_ERR_INVALID_ARGUMENT',
    `Cannot derive RTU timing: ${dataBits} data bits, expected 7 or 8`);
  if (stopBits !== 1 && stopBits !== 2) throw new ValidationError('PW_ERR_INVALID_ARGUMENT',
    `Cannot derive RTU timing: ${stopBits} stop bits, expected 1 or 2`);
  const bitsPerCharacter = 1 + dataBits + (parity === 'none' ? 0 : 1) + stopBits;
  const characterMs = (bitsPerCharacter * 1000) / baudRate;
  const fixed = baudRate > FIXED_TIMING_ABOVE_BAUD;
  return {
    bitsPerCharacter,
    characterMs,
    t15Ms: fixed ? FIXED_T15_MS : 1.5 * characterMs,
    t35Ms: fixed ? FIXED_T35_MS : 3.5 * characterMs,
  };
}
