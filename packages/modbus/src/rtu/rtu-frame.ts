// One RTU frame (Modbus over Serial Line V1.02 §2.5.1): address, PDU, CRC-16 low byte first.
import { DecodeError, ValidationError } from '@phasewire/core';
import { MAX_PDU_LENGTH, MAX_SERIAL_ADDRESS } from '../limits.ts';
import { crc16 } from './crc16.ts';

export interface RtuFrame {
  /** The slave address: 0 is broadcast (requests only), 1–247 a device. */
  readonly address: number;
  readonly pdu: Uint8Array;
}

export function encodeRtuFrame(address: number, pdu: Uint8Array): Uint8Array {
  if (!Number.isInteger(address) || address < 0 || address > MAX_SERIAL_ADDRESS) {
    throw new ValidationError('PW_ERR_MODBUS_LIMIT',
      `Cannot frame an RTU request for address ${address}: serial addresses are 0 to 247 (Serial Line V1.02 §2.2)`);
  }
  if (pdu.length < 1 || pdu.length > MAX_PDU_LENGTH) {
    throw new ValidationError('PW_ERR_MODBUS_LIMIT', `Cannot frame a ${pdu.length}-byte PDU: a PDU is 1 to ${MAX_PDU_LENGTH} bytes`);
  }
  const frame = new Uint8Array(pdu.length + 3);
  frame[0] = address;
  frame.set(pdu, 1);
  const crc = crc16(frame, 0, pdu.length + 1);
  frame[pdu.length + 1] = crc & 0xff;
  frame[pdu.length + 2] = crc >>> 8;
  return frame;
}

/** Decodes one complete frame (delimited by the caller); throws DecodeError on a bad length or CRC. */
export function decodeRtuFrame(frame: Uint8Array): RtuFrame {
  if (frame.length < 4 || frame.length > MAX_PDU_LENGTH + 3) {
    throw new DecodeError('PW_ERR_MODBUS_MALFORMED', `Cannot decode an RTU frame of ${frame.length} bytes: expected 4 to ${MAX_PDU_LENGTH +
      3}`);
  }
  const crc = crc16(frame, 0, frame.length - 2);
  const received = (frame[frame.length - 2] ?? 0) | ((frame[frame.length - 1] ?? 0) << 8);
  if (crc !== received) {
    throw new DecodeError('PW_ERR_CRC_MISMATCH', `Cannot decode an RTU frame from address ${frame[0] ?? 0}: CRC 0x${received.toString(16)
      .padStart(4, '0')} received, 0x${crc.toString(16).padStart(4, '0')} computed`);
  }
  return { address: frame[0] ?? 0, pdu: frame.slice(1, frame.length - 2) };
}
