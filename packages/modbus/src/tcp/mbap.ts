// The MBAP header of Modbus/TCP (Modbus Messaging on TCP/IP Implementation Guide V1.0b §3.1.3):
// transaction id (2 bytes, echoed by the server), protocol id (2 bytes, 0 for Modbus), length
// (2 bytes: the unit id plus the PDU), unit id (1 byte). No CRC: TCP checks the bytes.
import { DecodeError, ValidationError } from '@phasewire/core';
import { MAX_PDU_LENGTH, MBAP_HEADER_LENGTH, MODBUS_PROTOCOL_ID } from '../limits.ts';
import { allocateBytes } from '../slab.ts';

export interface MbapFrame {
  readonly transactionId: number;
  readonly unitId: number;
  readonly pdu: Uint8Array;
}

/** Length field bounds: the unit id plus a PDU of 1 to 253 bytes. */
export const MIN_MBAP_LENGTH = 2;
export const MAX_MBAP_LENGTH = 1 + MAX_PDU_LENGTH;

export function encodeMbapFrame(frame: MbapFrame): Uint8Array {
  const { transactionId, unitId, pdu } = frame;
  if (!Number.isInteger(transactionId) || transactionId < 0 || transactionId > 0xffff) {
    throw new ValidationError('PW_ERR_MODBUS_LIMIT',
      `Cannot frame an MBAP message with transaction id ${transactionId}: expected 0 to 65535`);
  }
  if (!Number.isInteger(unitId) || unitId < 0 || unitId > 0xff) {
    throw new ValidationError('PW_ERR_MODBUS_LIMIT', `Cannot frame an MBAP message for unit ${unitId}: expected 0 to 255`);
  }
  if (pdu.length < 1 || pdu.length > MAX_PDU_LENGTH) {
    throw new ValidationError('PW_ERR_MODBUS_LIMIT', `Cannot frame a ${pdu.length}-byte PDU: a PDU is 1 to ${MAX_PDU_LENGTH} bytes`);
  }
  const bytes = allocateBytes(MBAP_HEADER_LENGTH + pdu.length);
  bytes[0] = transactionId >> 8;
  bytes[1] = transactionId & 0xff;
  bytes[2] = MODBUS_PROTOCOL_ID >> 8;
  bytes[3] = MODBUS_PROTOCOL_ID & 0xff;
  bytes[4] = (pdu.length + 1) >> 8;
  bytes[5] = (pdu.length + 1) & 0xff;
  bytes[6] = unitId;
  bytes.set(pdu, MBAP_HEADER_LENGTH);
  return bytes;
}

/**
 * The total length of the message whose header starts at `bytes[start]` (at least 7 bytes must
 * be there). Throws DecodeError for a header no Modbus peer sends: after it, the stream has no
 * way back to a message boundary, so the connection has to be dropped.
 */
export function mbapMessageLength(bytes: Uint8Array, start: number): number {
  const protocolId = ((bytes[start + 2] ?? 0) << 8) | (bytes[start + 3] ?? 0);
  const length = ((bytes[start + 4] ?? 0) << 8) | (bytes[start + 5] ?? 0);
  if (protocolId !== MODBUS_PROTOCOL_ID) {
    throw new DecodeError('PW_ERR_MBAP_HEADER',
      `Cannot decode an MBAP header: protocol id ${protocolId}, expected 0 (Modbus, TCP guide §3.1.3)`);
  }
  if (length < MIN_MBAP_LENGTH || length > MAX_MBAP_LENGTH) {
    throw new DecodeError('PW_ERR_MBAP_HEADER',
      `Cannot decode an MBAP header: length ${length}, expected ${MIN_MBAP_LENGTH} to ${MAX_MBAP_LENGTH} ` +
      `(unit id plus a PDU of 1 to ${MAX_PDU_LENGTH} bytes)`);
  }
  return 6 + length;
}

/** Decodes one complete message; throws DecodeError if the header is bad or the length disagrees. */
export function decodeMbapFrame(bytes: Uint8Array): MbapFrame {
  if (bytes.length < MBAP_HEADER_LENGTH) {
    throw new DecodeError('PW_ERR_MODBUS_MALFORMED', `Cannot decode an MBAP message of ${bytes
      .length} bytes: at least ${MBAP_HEADER_LENGTH + 1} expected`);
  }
  const total = mbapMessageLength(bytes, 0);
  if (total !== bytes.length) {
    throw new DecodeError('PW_ERR_MODBUS_MALFORMED', `Cannot decode an MBAP message of ${bytes.length} bytes: its header says ${total}`);
  }
  return {
    transactionId: ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0),
    unitId: bytes[6] ?? 0,
    pdu: bytes.slice(MBAP_HEADER_LENGTH),
  };
}
