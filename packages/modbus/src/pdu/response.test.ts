import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError, ValidationError, type ErrorCode } from '@phasewire/core';
import { FunctionCode } from '../function-code.ts';
import { decodeResponse, encodeResponse } from './response.ts';
import type { ModbusRequest } from './types.ts';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const readHolding = (address: number, quantity: number): ModbusRequest => ({ functionCode: FunctionCode.ReadHoldingRegisters, address,
  quantity });
const decodeFails = (pdu: string, request: ModbusRequest, code: ErrorCode, message?: RegExp) => {
  assert.throws(() => decodeResponse(hex(pdu), request, 7), (error: unknown) =>
    error instanceof DecodeError && error.code === code && (message === undefined || message.test(error.message)), `${pdu} → ${code}`);
};

describe('decodeResponse checks the answer against the request', () => {
  it('refuses an odd byte count, naming the unit (principle 8)', () => {
    decodeFails('03 07 00 00 00 00 00 00 00', readHolding(0, 3), 'PW_ERR_MODBUS_ILLEGAL_VALUE',
      /^Cannot decode read holding registers \(0x03\) response from unit 7: byte count 7 is odd$/);
  });

  it('refuses a response for another function', () => {
    decodeFails('04 02 000A', readHolding(0, 1), 'PW_ERR_MODBUS_UNEXPECTED_RESPONSE', /carries function code 0x04/);
    decodeFails('84 02', readHolding(0, 1), 'PW_ERR_MODBUS_UNEXPECTED_RESPONSE');
  });

  it('refuses a count of registers or bits other than the one requested', () => {
    decodeFails('03 04 0000 0000', readHolding(0, 3), 'PW_ERR_MODBUS_UNEXPECTED_RESPONSE', /carries 2 registers, 3 were requested/);
    decodeFails('01 01 00', { functionCode: FunctionCode.ReadCoils, address: 0, quantity: 9 }, 'PW_ERR_MODBUS_UNEXPECTED_RESPONSE');
    decodeFails('01 02 00 00', { functionCode: FunctionCode.ReadCoils, address: 0, quantity: 8 }, 'PW_ERR_MODBUS_UNEXPECTED_RESPONSE');
  });

  it('refuses a byte count that disagrees with the PDU length', () => {
    decodeFails('03 06 022B 0000', readHolding(0, 3), 'PW_ERR_MODBUS_MALFORMED', /4 bytes, expected 8|6 bytes, expected 8/);
    decodeFails('03', readHolding(0, 3), 'PW_ERR_MODBUS_MALFORMED', /byte count is missing/);
    decodeFails('', readHolding(0, 3), 'PW_ERR_MODBUS_MALFORMED', /empty/);
  });

  it('refuses a write whose echo differs from the request', () => {
    decodeFails('06 0001 0004', { functionCode: FunctionCode.WriteSingleRegister, address: 1, value: 3 },
      'PW_ERR_MODBUS_UNEXPECTED_RESPONSE',
      /echo is address 1 value 4, the request was address 1 value 3/);
    decodeFails('05 0001 0000', { functionCode: FunctionCode.WriteSingleCoil, address: 1, value: true },
      'PW_ERR_MODBUS_UNEXPECTED_RESPONSE');
    decodeFails('10 0001 0003', { functionCode: FunctionCode.WriteMultipleRegisters, address: 1, values: Uint16Array.of(1, 2) },
      'PW_ERR_MODBUS_UNEXPECTED_RESPONSE');
    decodeFails('0F 0002 0002', { functionCode: FunctionCode.WriteMultipleCoils, address: 1, values: [true, false] },
      'PW_ERR_MODBUS_UNEXPECTED_RESPONSE');
  });

  it('decodes every named exception code and refuses a malformed exception', () => {
    for (const code of [1, 2, 3, 4, 5, 6, 8, 10, 11]) {
      assert.deepEqual(decodeResponse(Uint8Array.of(0x83, code), readHolding(0, 1)), { functionCode: 3, exceptionCode: code });
    }
    decodeFails('83 02 00', readHolding(0, 1), 'PW_ERR_MODBUS_MALFORMED');
    decodeFails('83', readHolding(0, 1), 'PW_ERR_MODBUS_MALFORMED');
    decodeFails('83 00', readHolding(0, 1), 'PW_ERR_MODBUS_ILLEGAL_VALUE');
  });
});

describe('encodeResponse limits', () => {
  const fails = (run: () => unknown, message: RegExp) => {
    assert.throws(run, (error: unknown) => error instanceof ValidationError && error.code === 'PW_ERR_MODBUS_LIMIT' && message.test(error
      .message));
  };

  it('answers reads of 1 to 2000 bits and 1 to 125 registers', () => {
    fails(() => encodeResponse({ functionCode: FunctionCode.ReadCoils, values: [] }), /0 values is outside 1 to 2000/);
    fails(() => encodeResponse({ functionCode: FunctionCode.ReadInputRegisters, values: new Uint16Array(126) }),
      /126 registers is outside 1 to 125/);
    assert.equal(encodeResponse({ functionCode: FunctionCode.ReadInputRegisters, values: new Uint16Array(125) }).length, 252);
  });

  it('encodes exceptions only for functions 1 to 127 and codes 1 to 255', () => {
    assert.deepEqual(encodeResponse({ functionCode: 3, exceptionCode: 0x0b }), Uint8Array.of(0x83, 0x0b));
    fails(() => encodeResponse({ functionCode: 0x80, exceptionCode: 1 }), /function code 128/);
    fails(() => encodeResponse({ functionCode: 3, exceptionCode: 0 }), /exception code 0/);
  });

  it('refuses write echoes outside the address space', () => {
    fails(() => encodeResponse({ functionCode: FunctionCode.WriteMultipleRegisters, address: 65535, quantity: 2 }), /run past 65535/);
    fails(() => encodeResponse({ functionCode: FunctionCode.WriteSingleRegister, address: 0, value: 70000 }), /register value 70000/);
  });
});
