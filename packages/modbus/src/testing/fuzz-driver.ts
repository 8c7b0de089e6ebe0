// The fuzzer of the Modbus codec: random and mutated frames through every decoder and framer.
// Nothing but DecodeError may be thrown, every framer keeps at most one maximal frame buffered,
// and every frame a framer lets through is well-formed. Seeded, so a failure replays. Used by
// src/fuzz.test.ts (a share of the inputs, in the unit suite) and bench/fuzz.bench.ts (a million).
import { DecodeError, SeededRandom } from '@phasewire/core';
import { ByteReader } from '../byte-reader.ts';
import { FunctionCode, ReadDeviceIdCode } from '../function-code.ts';
import { MAX_PDU_LENGTH, MAX_RTU_FRAME_LENGTH } from '../limits.ts';
import { decodeRequest, encodeRequest } from '../pdu/request.ts';
import { decodeResponse, encodeResponse } from '../pdu/response.ts';
import type { ModbusRequest, ModbusResponse } from '../pdu/types.ts';
import { decodeRtuFrame, encodeRtuFrame, type RtuFrame } from '../rtu/rtu-frame.ts';
import { RtuFramer } from '../rtu/rtu-framer.ts';
import { decodeMbapFrame, encodeMbapFrame } from '../tcp/mbap.ts';
import { MbapFramer } from '../tcp/mbap-framer.ts';

const requests: readonly ModbusRequest[] = [
  { functionCode: FunctionCode.ReadCoils, address: 19, quantity: 19 },
  { functionCode: FunctionCode.ReadDiscreteInputs, address: 196, quantity: 22 },
  { functionCode: FunctionCode.ReadHoldingRegisters, address: 107, quantity: 3 },
  { functionCode: FunctionCode.ReadInputRegisters, address: 8, quantity: 125 },
  { functionCode: FunctionCode.WriteSingleCoil, address: 172, value: true },
  { functionCode: FunctionCode.WriteSingleRegister, address: 1, value: 3 },
  { functionCode: FunctionCode.WriteMultipleCoils, address: 19, values: [true, false, true, true, false, false, true, true, true, false] },
  { functionCode: FunctionCode.WriteMultipleRegisters, address: 1, values: Uint16Array.of(10, 258) },
  { functionCode: FunctionCode.EncapsulatedInterfaceTransport, readDeviceIdCode: ReadDeviceIdCode.Basic, objectId: 0 },
];
const responses: readonly ModbusResponse[] = [
  { functionCode: FunctionCode.ReadCoils, values: new Array<boolean>(19).fill(true) },
  { functionCode: FunctionCode.ReadHoldingRegisters, values: Uint16Array.of(555, 0, 100) },
  { functionCode: FunctionCode.ReadInputRegisters, values: new Uint16Array(125).fill(0x4366) },
  { functionCode: FunctionCode.WriteMultipleRegisters, address: 1, quantity: 2 },
  {
    functionCode: FunctionCode.EncapsulatedInterfaceTransport, readDeviceIdCode: ReadDeviceIdCode.Basic, conformityLevel: 0x81,
    moreFollows: true, nextObjectId: 2, objects: [{ id: 0, value: new Uint8Array(40).fill(0x41) }, { id: 1, value: Uint8Array.of(0x42) }],
  },
];
const pdus = [...requests.map(encodeRequest), ...responses.map(encodeResponse), Uint8Array.of(0x83, 0x02)];
const seeds = [
  ...pdus.map((pdu, index) => encodeRtuFrame(1 + index, pdu)),
  ...pdus.map((pdu, index) => encodeMbapFrame({ transactionId: index, unitId: index, pdu })),
  ...pdus,
];

/** The element at `index`, wrapping around: the lists here are never empty. */
function at<T>(list: readonly T[], index: number): T {
  const item = list[index % list.length];
  if (item === undefined) throw new Error('The list is empty');
  return item;
}

/** One fuzz input: random bytes, or a valid frame mutated by flips, overwrites, cuts, growth or splices. */
function nextInput(random: SeededRandom): Uint8Array {
  const pick = random.nextUint32();
  if ((pick & 3) === 0) {
    const bytes = new Uint8Array(random.nextUint32() % 262);
    for (let index = 0; index < bytes.length; index++) bytes[index] = random.nextUint32() & 0xff;
    return bytes;
  }
  const seed = at(seeds, pick >>> 2);
  let bytes = seed.slice();
  const mutations = 1 + (random.nextUint32() % 4);
  for (let round = 0; round < mutations; round++) {
    const position = bytes.length === 0 ? 0 : random.nextUint32() % bytes.length;
    switch (random.nextUint32() % 5) {
      case 0: if (bytes.length > 0) bytes[position] = (bytes[position] ?? 0) ^ (1 << (random.nextUint32() & 7)); break;
      case 1: if (bytes.length > 0) bytes[position] = random.nextUint32() & 0xff; break;
      case 2: bytes = bytes.subarray(0, position); break;
      case 3: {
        const tail = at(seeds, random.nextUint32()).subarray(0, random.nextUint32() % 16);
        const grown = new Uint8Array(bytes.length + tail.length);
        grown.set(bytes);
        grown.set(tail, bytes.length);
        bytes = grown;
        break;
      }
      default: if (bytes.length > 1) bytes[position] = at([0, 0xff, 0x7d, 0x7e, 0xfd], random.nextUint32()); break;
    }
  }
  return bytes;
}

function decodeOnly(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
  }
}

export interface FuzzResult {
  readonly inputs: number;
  readonly rtuFrames: number;
  readonly mbapFrames: number;
  readonly rtuCrcErrors: readonly number[];
  readonly maxPending: number;
}

/** Runs `count` inputs; throws on anything but a DecodeError, an oversized buffer or a malformed frame. */
export function fuzz(count: number, seed = 0x5eed): FuzzResult {
  const random = new SeededRandom(seed);
  let rtuFrames = 0;
  let mbapFrames = 0;
  let maxPending = 0;
  const checkRtu = (frame: RtuFrame): void => {
    rtuFrames++;
    if (frame.pdu.length < 1 || frame.pdu.length > MAX_PDU_LENGTH || frame.address > 247) {
      throw new Error(`A framer let through a malformed RTU frame: address ${frame.address}, ${frame.pdu.length}-byte PDU`);
    }
  };
  const checkMbap = (_transactionId: number, _unitId: number, pdu: Uint8Array): void => {
    mbapFrames++;
    if (pdu.length < 1 || pdu.length > MAX_PDU_LENGTH) throw new Error(`The MBAP framer let through a ${pdu.length}-byte PDU`);
  };
  const rtuFramers = [
    new RtuFramer({ direction: 'request', resync: 'silence', onFrame: checkRtu }),
    new RtuFramer({ direction: 'response', resync: 'silence', onFrame: checkRtu }),
    new RtuFramer({ direction: 'request', resync: 'scan', onFrame: checkRtu }),
    new RtuFramer({ direction: 'response', resync: 'scan', onFrame: checkRtu }),
  ];
  const mbapFramer = new MbapFramer(checkMbap);
  // Stack traces of a million expected DecodeErrors are not wanted and cost most of the time.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    for (let index = 0; index < count; index++) {
      const input = nextInput(random);
      const request = at(requests, index);
      decodeOnly(() => decodeRequest(input));
      decodeOnly(() => decodeResponse(input, request));
      decodeOnly(() => decodeRtuFrame(input));
      decodeOnly(() => decodeMbapFrame(input));
      decodeOnly(() => new ByteReader(input, 'CDAB').float32());
      const split = input.length === 0 ? 0 : random.nextUint32() % input.length;
      for (const framer of rtuFramers) {
        framer.push(input.subarray(0, split));
        framer.push(input.subarray(split));
        if ((index & 7) === 0) framer.silence();
        maxPending = Math.max(maxPending, framer.pending);
        if (framer.pending > MAX_RTU_FRAME_LENGTH) throw new Error(`An RTU framer holds ${framer.pending} bytes`);
      }
      try {
        mbapFramer.push(input.subarray(0, split));
        mbapFramer.push(input.subarray(split));
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error;
        // After a bad header the stream is dead; a new connection starts clean.
        mbapFramer.reset();
      }
    }
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  return { inputs: count, rtuFrames, mbapFrames, rtuCrcErrors: rtuFramers.map((framer) => framer.stats.crcErrors), maxPending };
}
