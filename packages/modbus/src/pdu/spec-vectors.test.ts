// The example frames of the Modbus Application Protocol Specification V1.1b3, one per function
// (§6.1, §6.2, §6.3, §6.4, §6.5, §6.6, §6.11, §6.12, §6.21) and the exception example of §7,
// run through all four directions: the client encodes the request and decodes the response, the
// server decodes the request and encodes the response.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FunctionCode, ReadDeviceIdCode } from '../function-code.ts';
import { decodeRequest, encodeRequest } from './request.ts';
import { decodeResponse, encodeResponse } from './response.ts';
import type { ExceptionResponse, ModbusRequest, ModbusResponse } from './types.ts';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const bits = (pattern: string): boolean[] => Array.from(pattern, (bit) => bit === '1');
const ascii = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'latin1'));

interface Vector {
  readonly clause: string;
  readonly request: ModbusRequest;
  readonly requestPdu: string;
  readonly response: ModbusResponse | ExceptionResponse;
  readonly responsePdu: string;
}

const vectors: readonly Vector[] = [
  {
    // Coils 20–38 (addresses 19–37); status of 27–20 is CD, 35–28 is 6B, 38–36 is 05.
    clause: '§6.1 Read Coils',
    request: { functionCode: FunctionCode.ReadCoils, address: 19, quantity: 19 },
    requestPdu: '01 0013 0013',
    response: { functionCode: FunctionCode.ReadCoils, values: bits('1011001111010110101') },
    responsePdu: '01 03 CD 6B 05',
  },
  {
    clause: '§6.2 Read Discrete Inputs',
    request: { functionCode: FunctionCode.ReadDiscreteInputs, address: 196, quantity: 22 },
    requestPdu: '02 00C4 0016',
    response: { functionCode: FunctionCode.ReadDiscreteInputs, values: bits('0011010111011011101011') },
    responsePdu: '02 03 AC DB 35',
  },
  {
    clause: '§6.3 Read Holding Registers',
    request: { functionCode: FunctionCode.ReadHoldingRegisters, address: 107, quantity: 3 },
    requestPdu: '03 006B 0003',
    response: { functionCode: FunctionCode.ReadHoldingRegisters, values: Uint16Array.of(555, 0, 100) },
    responsePdu: '03 06 022B 0000 0064',
  },
  {
    clause: '§6.4 Read Input Registers',
    request: { functionCode: FunctionCode.ReadInputRegisters, address: 8, quantity: 1 },
    requestPdu: '04 0008 0001',
    response: { functionCode: FunctionCode.ReadInputRegisters, values: Uint16Array.of(10) },
    responsePdu: '04 02 000A',
  },
  {
    clause: '§6.5 Write Single Coil',
    request: { functionCode: FunctionCode.WriteSingleCoil, address: 172, value: true },
    requestPdu: '05 00AC FF00',
    response: { functionCode: FunctionCode.WriteSingleCoil, address: 172, value: true },
    responsePdu: '05 00AC FF00',
  },
  {
    clause: '§6.6 Write Single Register',
    request: { functionCode: FunctionCode.WriteSingleRegister, address: 1, value: 3 },
    requestPdu: '06 0001 0003',
    response: { functionCode: FunctionCode.WriteSingleRegister, address: 1, value: 3 },
    responsePdu: '06 0001 0003',
  },
  {
    clause: '§6.11 Write Multiple Coils',
    request: { functionCode: FunctionCode.WriteMultipleCoils, address: 19, values: bits('1011001110') },
    requestPdu: '0F 0013 000A 02 CD 01',
    response: { functionCode: FunctionCode.WriteMultipleCoils, address: 19, quantity: 10 },
    responsePdu: '0F 0013 000A',
  },
  {
    clause: '§6.12 Write Multiple Registers',
    request: { functionCode: FunctionCode.WriteMultipleRegisters, address: 1, values: Uint16Array.of(0x000a, 0x0102) },
    requestPdu: '10 0001 0002 04 000A 0102',
    response: { functionCode: FunctionCode.WriteMultipleRegisters, address: 1, quantity: 2 },
    responsePdu: '10 0001 0002',
  },
  {
    // The object lengths are those of the example's strings (22, 15 and 5 bytes).
    clause: '§6.21 Read Device Identification',
    request: { functionCode: FunctionCode.EncapsulatedInterfaceTransport, readDeviceIdCode: ReadDeviceIdCode.Basic, objectId: 0 },
    requestPdu: '2B 0E 01 00',
    response: {
      functionCode: FunctionCode.EncapsulatedInterfaceTransport, readDeviceIdCode: ReadDeviceIdCode.Basic, conformityLevel: 0x01,
      moreFollows: false, nextObjectId: 0,
      objects: [{ id: 0, value: ascii('Company identification') }, { id: 1, value: ascii('Product code XX') }, { id: 2, value: ascii(
        'V2.11') }],
    },
    responsePdu: `2B 0E 01 01 00 00 03 00 16 ${Buffer.from('Company identification').toString('hex')} 01 0F ${Buffer.from('Product code XX')
      .toString('hex')} 02 05 ${Buffer.from('V2.11').toString('hex')}`,
  },
  {
    // §7: a read of coil address 1185 from a device that has no such coil.
    clause: '§7 exception response',
    request: { functionCode: FunctionCode.ReadCoils, address: 0x04a1, quantity: 1 },
    requestPdu: '01 04A1 0001',
    response: { functionCode: FunctionCode.ReadCoils, exceptionCode: 0x02 },
    responsePdu: '81 02',
  },
];

describe('spec example frames, both directions', () => {
  for (const vector of vectors) {
    it(`${vector.clause}: the client encodes the request as the spec's frame`, () => {
      assert.deepEqual(encodeRequest(vector.request), hex(vector.requestPdu));
    });
    it(`${vector.clause}: the server decodes the spec's request frame`, () => {
      assert.deepEqual(decodeRequest(hex(vector.requestPdu)), vector.request);
    });
    it(`${vector.clause}: the server encodes the response as the spec's frame`, () => {
      assert.deepEqual(encodeResponse(vector.response), hex(vector.responsePdu));
    });
    it(`${vector.clause}: the client decodes the spec's response frame`, () => {
      assert.deepEqual(decodeResponse(hex(vector.responsePdu), vector.request), vector.response);
    });
  }
});
