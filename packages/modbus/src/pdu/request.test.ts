import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError, ValidationError, type ErrorCode } from '@phasewire/core';
import { FunctionCode, ReadDeviceIdCode } from '../function-code.ts';
import { decodeRequest, encodeRequest } from './request.ts';
import type { ModbusRequest } from './types.ts';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const decodeFails = (pdu: string, code: ErrorCode, message?: RegExp) => {
  assert.throws(() => decodeRequest(hex(pdu)), (error: unknown) =>
    error instanceof DecodeError && error.code === code && (message === undefined || message.test(error.message)), `${pdu} → ${code}`);
};
const encodeFails = (request: ModbusRequest, message: RegExp) => {
  assert.throws(() => encodeRequest(request), (error: unknown) =>
    error instanceof ValidationError && error.code === 'PW_ERR_MODBUS_LIMIT' && message.test(error.message));
};

describe('encodeRequest limits', () => {
  it('reads 1 to 2000 coils or discrete inputs (§6.1, §6.2)', () => {
    assert.equal(encodeRequest({ functionCode: FunctionCode.ReadCoils, address: 0, quantity: 2000 }).length, 5);
    encodeFails({ functionCode: FunctionCode.ReadCoils, address: 0, quantity: 0 }, /quantity 0 is outside 1 to 2000/);
    encodeFails({ functionCode: FunctionCode.ReadDiscreteInputs, address: 0, quantity: 2001 }, /quantity 2001 is outside 1 to 2000/);
  });

  it('reads 1 to 125 registers (§6.3, §6.4)', () => {
    assert.equal(encodeRequest({ functionCode: FunctionCode.ReadHoldingRegisters, address: 65411, quantity: 125 }).length, 5);
    encodeFails({ functionCode: FunctionCode.ReadHoldingRegisters, address: 0, quantity: 126 }, /quantity 126 is outside 1 to 125/);
    encodeFails({ functionCode: FunctionCode.ReadInputRegisters, address: 0, quantity: 0 }, /quantity 0/);
  });

  it('writes 1 to 1968 coils and 1 to 123 registers (§6.11, §6.12)', () => {
    assert.equal(encodeRequest({ functionCode: FunctionCode.WriteMultipleCoils, address: 0, values: new Array<boolean>(1968).fill(true) })
      .length, 6 + 246);
    encodeFails({ functionCode: FunctionCode.WriteMultipleCoils, address: 0, values: new Array<boolean>(1969).fill(true) },
      /quantity 1969 is outside 1 to 1968/);
    encodeFails({ functionCode: FunctionCode.WriteMultipleCoils, address: 0, values: [] }, /quantity 0/);
    assert.equal(encodeRequest({ functionCode: FunctionCode.WriteMultipleRegisters, address: 0, values: new Uint16Array(123) }).length, 6 +
      246);
    encodeFails({ functionCode: FunctionCode.WriteMultipleRegisters, address: 0, values: new Uint16Array(124) },
      /quantity 124 is outside 1 to 123/);
  });

  it('keeps addresses and ranges inside 0 to 65535 (§4.4)', () => {
    encodeFails({ functionCode: FunctionCode.ReadHoldingRegisters, address: -1, quantity: 1 }, /address -1 is outside 0 to 65535/);
    encodeFails({ functionCode: FunctionCode.ReadHoldingRegisters, address: 65536, quantity: 1 }, /address 65536/);
    encodeFails({ functionCode: FunctionCode.ReadHoldingRegisters, address: 1.5, quantity: 1 }, /address 1.5/);
    encodeFails({ functionCode: FunctionCode.ReadHoldingRegisters, address: 65500, quantity: 100 },
      /addresses 65500 to 65599 run past 65535/);
    encodeFails({ functionCode: FunctionCode.WriteSingleCoil, address: 70000, value: true }, /address 70000/);
  });

  it('writes register values of 0 to 65535 only', () => {
    encodeFails({ functionCode: FunctionCode.WriteSingleRegister, address: 0, value: 65536 }, /register value 65536/);
    encodeFails({ functionCode: FunctionCode.WriteSingleRegister, address: 0, value: -1 }, /register value -1/);
  });

  it('asks for device identification with codes 1 to 4 and object ids 0 to 255 (§6.21)', () => {
    encodeFails({ functionCode: FunctionCode.EncapsulatedInterfaceTransport, readDeviceIdCode: 5 as ReadDeviceIdCode, objectId: 0 },
      /read device id code 5/);
    encodeFails({ functionCode: FunctionCode.EncapsulatedInterfaceTransport, readDeviceIdCode: ReadDeviceIdCode.Specific, objectId: 256 },
      /object id 256/);
  });
});

describe('decodeRequest refusals name the exception a server answers', () => {
  it('refuses function codes it does not implement (exception 0x01)', () => {
    decodeFails('07', 'PW_ERR_MODBUS_ILLEGAL_FUNCTION', /function 0x07 request: the function code is not one phasewire implements/);
    decodeFails('2B 0D 01 00', 'PW_ERR_MODBUS_ILLEGAL_FUNCTION', /MEI type 0xd/);
    decodeFails('2B', 'PW_ERR_MODBUS_ILLEGAL_FUNCTION');
  });

  it('refuses quantities outside each function\'s limits (exception 0x03)', () => {
    for (const pdu of ['01 0000 0000', '01 0000 07D1', '02 0000 07D1', '03 0000 0000', '03 0000 007E', '04 0000 007E']) {
      decodeFails(pdu, 'PW_ERR_MODBUS_ILLEGAL_VALUE');
    }
    decodeFails(`0F 0000 07B1 F7 ${'00'.repeat(247)}`, 'PW_ERR_MODBUS_ILLEGAL_VALUE', /quantity 1969/);
    decodeFails(`10 0000 007C F8 ${'00'.repeat(248)}`, 'PW_ERR_MODBUS_MALFORMED');
  });

  it('refuses byte counts that disagree with the quantity (exception 0x03)', () => {
    decodeFails('0F 0013 000A 01 CD', 'PW_ERR_MODBUS_ILLEGAL_VALUE', /quantity 10 with byte count 1: expected .* byte count of 2/);
    decodeFails('10 0001 0002 03 000A 01', 'PW_ERR_MODBUS_ILLEGAL_VALUE');
  });

  it('refuses a coil value other than 0xFF00 or 0x0000 (§6.5, exception 0x03)', () => {
    decodeFails('05 00AC 1234', 'PW_ERR_MODBUS_ILLEGAL_VALUE', /output value 0x1234/);
  });

  it('refuses ranges that run past 65535 after the quantity is checked (exception 0x02)', () => {
    decodeFails('03 FFFF 0002', 'PW_ERR_MODBUS_ILLEGAL_ADDRESS', /addresses 65535 to 65536/);
    decodeFails('01 FFFF 0002', 'PW_ERR_MODBUS_ILLEGAL_ADDRESS');
    assert.deepEqual(decodeRequest(hex('03 FFFF 0001')), { functionCode: 3, address: 65535, quantity: 1 });
  });

  it('refuses truncated and padded PDUs', () => {
    decodeFails('', 'PW_ERR_MODBUS_MALFORMED', /empty/);
    decodeFails('03 0000 00', 'PW_ERR_MODBUS_MALFORMED', /4 bytes, expected 5/);
    decodeFails('06 0000 0001 00', 'PW_ERR_MODBUS_MALFORMED');
    decodeFails('10 0001 0002 04 000A 0102 FF', 'PW_ERR_MODBUS_MALFORMED');
    decodeFails('0F 0013', 'PW_ERR_MODBUS_MALFORMED');
    decodeFails('2B 0E 01', 'PW_ERR_MODBUS_MALFORMED');
    decodeFails(`03 ${'00'.repeat(253)}`, 'PW_ERR_MODBUS_MALFORMED', /more than the 253/);
  });

  it('refuses a read device id code outside 1 to 4 (exception 0x03)', () => {
    decodeFails('2B 0E 05 00', 'PW_ERR_MODBUS_ILLEGAL_VALUE');
  });

  it('ignores the padding bits of the last coil byte', () => {
    const request = decodeRequest(hex('0F 0000 0003 01 FF'));
    assert.deepEqual(request, { functionCode: FunctionCode.WriteMultipleCoils, address: 0, values: [true, true, true] });
  });
});
