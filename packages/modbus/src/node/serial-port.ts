// Opening a serial port with the framing of an RTU line, and the silence detector the RTU framer
// needs: a timer re-armed by every chunk that fires when the line has been quiet long enough.
import { SerialPort } from 'serialport';
import { TransportError } from '@phasewire/core';
import { rtuTiming, type RtuTiming, type SerialFraming } from '../rtu/rtu-timing.ts';

export interface SerialLineOptions extends SerialFraming {
  /** The device: /dev/ttyUSB0, /dev/ttyS1, a pty from socat. */
  readonly path: string;
  /**
   * Quiet time after which the line counts as silent (frame boundary). t3.5 by the spec; the
   * default is t3.5 but at least 5 ms, because the OS hands over bytes in chunks with gaps of a
   * few ms (USB adapters with a 16 ms latency timer need 20 ms). Frames of known function are
   * cut by length anyway; the silence matters for resynchronisation after noise.
   */
  readonly silenceMs?: number;
}

export const MIN_SILENCE_MS = 5;

export async function openSerialPort(options: SerialLineOptions): Promise<SerialPort> {
  const port = new SerialPort({
    path: options.path,
    baudRate: options.baudRate,
    dataBits: options.dataBits,
    parity: options.parity,
    stopBits: options.stopBits,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) => {
    port.open((error) => {
      if (error) reject(new TransportError('PW_ERR_MODBUS_DISCONNECTED', `Cannot open the serial port ${options.path}: ${error.message}`, {
        cause: error }));
      else resolve();
    });
  });
  return port;
}

export function closeSerialPort(port: SerialPort): Promise<void> {
  if (!port.isOpen) return Promise.resolve();
  return new Promise((resolve) => { port.close(() => { resolve(); }); });
}

export function silenceMsFor(options: SerialLineOptions, timing: RtuTiming = rtuTiming(options)): number {
  return options.silenceMs ?? Math.max(timing.t35Ms, MIN_SILENCE_MS);
}

/** Calls `onSilence` once the line has been quiet for `silenceMs` after the last chunk. */
export class SilenceDetector {
  readonly #silenceMs: number;
  readonly #onSilence: () => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(silenceMs: number, onSilence: () => void) {
    this.#silenceMs = silenceMs;
    this.#onSilence = onSilence;
  }

  activity(): void {
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#onSilence();
      }, this.#silenceMs);
    } else {
      this.#timer.refresh();
    }
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
