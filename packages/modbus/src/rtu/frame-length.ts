// An RTU frame carries no length field (Modbus over Serial Line V1.02 §2.5.1), so a receiver that
// wants a frame before the closing 3.5-character silence, or that reads RTU from a TCP stream
// where silence means nothing, has to derive the length from the function code and the fields
// that follow it. Requests and responses of the same function differ, so the direction matters.
import { EXCEPTION_FLAG, FunctionCode, MeiType } from '../function-code.ts';
import { MAX_RTU_FRAME_LENGTH, MAX_SERIAL_ADDRESS } from '../limits.ts';

export type FrameDirection = 'request' | 'response';

/** More bytes are needed before the length is known. */
export const NEED_MORE = -1;
/**
 * The function code is not one whose length can be derived (user-defined codes 65–72 and 100–110, reserved ones): only a silence
 * delimits it.
 */
export const UNKNOWN_LENGTH = -2;
/** These bytes cannot start a frame (reserved address, or an impossible length). */
export const NOT_A_FRAME = -3;

/** Address + CRC around the PDU. */
const ENVELOPE = 3;

/**
 * The total length (address, PDU and CRC) of the frame starting at `bytes[start]`, given the
 * bytes up to `end`; or NEED_MORE, UNKNOWN_LENGTH or NOT_A_FRAME.
 */
export function rtuFrameLength(bytes: Uint8Array, start: number, end: number, direction: FrameDirection): number {
  const available = end - start;
  if (available < 2) return NEED_MORE;
  const address = bytes[start] ?? 0;
  // §2.2: 248–255 are reserved; a response never comes from the broadcast address 0.
  if (address > MAX_SERIAL_ADDRESS || (direction === 'response' && address === 0)) return NOT_A_FRAME;
  const fc = bytes[start + 1] ?? 0;
  const length = direction === 'request' ? requestLength(bytes, start, available, fc) : responseLength(bytes, start, available, fc);
  return length > MAX_RTU_FRAME_LENGTH ? NOT_A_FRAME : length;
}

// The other public function codes of MBAP-APP §5.1, which the codec does not decode but a framer
// must still delimit (a server answers them with exception 0x01). Lengths are of the PDU:
// a fixed number, or a fixed part plus the byte count found at `countAt` (2 bytes wide for FIFO).
interface Layout {
  readonly fixed: number;
  readonly countAt?: number;
  readonly wideCount?: boolean;
}
const otherRequests: Readonly<Record<number, Layout>> = {
  0x07: { fixed: 1 }, // §6.7 Read Exception Status
  0x08: { fixed: 5 }, // §6.8 Diagnostics, with the usual one data word
  0x0b: { fixed: 1 }, // §6.9 Get Comm Event Counter
  0x0c: { fixed: 1 }, // §6.10 Get Comm Event Log
  0x11: { fixed: 1 }, // §6.13 Report Server ID
  0x14: { fixed: 2, countAt: 1 }, // §6.14 Read File Record
  0x15: { fixed: 2, countAt: 1 }, // §6.15 Write File Record
  0x16: { fixed: 7 }, // §6.16 Mask Write Register
  0x17: { fixed: 10, countAt: 9 }, // §6.17 Read/Write Multiple Registers
  0x18: { fixed: 3 }, // §6.18 Read FIFO Queue
};
const otherResponses: Readonly<Record<number, Layout>> = {
  0x07: { fixed: 2 },
  0x08: { fixed: 5 },
  0x0b: { fixed: 5 },
  0x0c: { fixed: 2, countAt: 1 },
  0x11: { fixed: 2, countAt: 1 },
  0x14: { fixed: 2, countAt: 1 },
  0x15: { fixed: 2, countAt: 1 },
  0x16: { fixed: 7 },
  0x17: { fixed: 2, countAt: 1 },
  0x18: { fixed: 3, countAt: 1, wideCount: true },
};

function layoutLength(bytes: Uint8Array, start: number, available: number, layout: Layout | undefined): number {
  if (layout === undefined) return UNKNOWN_LENGTH;
  if (layout.countAt === undefined) return ENVELOPE + layout.fixed;
  // The count sits in the PDU, which starts after the address byte.
  const at = start + 1 + layout.countAt;
  const width = layout.wideCount === true ? 2 : 1;
  if (available < 1 + layout.countAt + width) return NEED_MORE;
  const count = layout.wideCount === true ? ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0) : bytes[at] ?? 0;
  return ENVELOPE + layout.fixed + count;
}

function requestLength(bytes: Uint8Array, start: number, available: number, fc: number): number {
  switch (fc) {
    case FunctionCode.ReadCoils:
    case FunctionCode.ReadDiscreteInputs:
    case FunctionCode.ReadHoldingRegisters:
    case FunctionCode.ReadInputRegisters:
    case FunctionCode.WriteSingleCoil:
    case FunctionCode.WriteSingleRegister:
      return ENVELOPE + 5;
    case FunctionCode.WriteMultipleCoils:
    case FunctionCode.WriteMultipleRegisters:
      // fc, address, quantity, byte count, then the data.
      return available < 7 ? NEED_MORE : ENVELOPE + 6 + (bytes[start + 6] ?? 0);
    case FunctionCode.EncapsulatedInterfaceTransport:
      if (available < 3) return NEED_MORE;
      return bytes[start + 2] === MeiType.ReadDeviceIdentification ? ENVELOPE + 4 : UNKNOWN_LENGTH;
    default:
      // A request never carries the exception flag; other codes are for the server to refuse.
      return fc === 0 || fc >= EXCEPTION_FLAG ? NOT_A_FRAME : layoutLength(bytes, start, available, otherRequests[fc]);
  }
}

function responseLength(bytes: Uint8Array, start: number, available: number, fc: number): number {
  if (fc >= EXCEPTION_FLAG) return fc === EXCEPTION_FLAG ? NOT_A_FRAME : ENVELOPE + 2;
  switch (fc) {
    case FunctionCode.ReadCoils:
    case FunctionCode.ReadDiscreteInputs:
    case FunctionCode.ReadHoldingRegisters:
    case FunctionCode.ReadInputRegisters:
      return available < 3 ? NEED_MORE : ENVELOPE + 2 + (bytes[start + 2] ?? 0);
    case FunctionCode.WriteSingleCoil:
    case FunctionCode.WriteSingleRegister:
    case FunctionCode.WriteMultipleCoils:
    case FunctionCode.WriteMultipleRegisters:
      return ENVELOPE + 5;
    case FunctionCode.EncapsulatedInterfaceTransport:
      return deviceIdentificationLength(bytes, start, available);
    default:
      return fc === 0 ? NOT_A_FRAME : layoutLength(bytes, start, available, otherResponses[fc]);
  }
}

/** §6.21 has no byte count: walk the object list (id, length, value) to its end. */
function deviceIdentificationLength(bytes: Uint8Array, start: number, available: number): number {
  if (available < 3) return NEED_MORE;
  if (bytes[start + 2] !== MeiType.ReadDeviceIdentification) return UNKNOWN_LENGTH;
  // Address, then fc, MEI, code, conformity, more follows, next id, count: the objects start at 8.
  if (available < 8) return NEED_MORE;
  const count = bytes[start + 7] ?? 0;
  let at = 8;
  for (let index = 0; index < count; index++) {
    if (at + 2 > available) return NEED_MORE;
    at += 2 + (bytes[start + at + 1] ?? 0);
    if (at + 2 > MAX_RTU_FRAME_LENGTH) return NOT_A_FRAME;
  }
  return at + 2;
}
