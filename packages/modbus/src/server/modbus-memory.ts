// An in-memory Modbus device: the four tables of the data model (MBAP-APP §4.3: coils, discrete
// inputs, holding registers, input registers), each starting at address 0 with a size, plus the
// device identification objects of §6.21. Reads and writes outside a table answer exception 0x02
// (illegal data address), as the state diagrams of §6 say. For tests, simulations and peers.
import { ValidationError } from '@phasewire/core';
import { ConformityLevel, DeviceObjectId, ExceptionCode, FunctionCode } from '../function-code.ts';
import { ADDRESS_SPACE } from '../limits.ts';
import { answerDeviceIdentification } from '../pdu/device-identification.ts';
import type { ExceptionResponse, ModbusRequest, ModbusResponse } from '../pdu/types.ts';
import { exceptionFor, type ModbusRequestHandler } from './serve-request.ts';

export interface ModbusMemorySizes {
  readonly coils?: number;
  readonly discreteInputs?: number;
  readonly holdingRegisters?: number;
  readonly inputRegisters?: number;
}

export class ModbusMemory {
  readonly coils: Uint8Array;
  readonly discreteInputs: Uint8Array;
  readonly holdingRegisters: Uint16Array;
  readonly inputRegisters: Uint16Array;
  /** Object id → value for Read Device Identification; the three basic objects are mandatory (§6.21). */
  readonly deviceObjects = new Map<number, Uint8Array>();
  conformityLevel: number = ConformityLevel.RegularWithIndividual;

  constructor(sizes: ModbusMemorySizes = {}) {
    this.coils = new Uint8Array(size(sizes.coils, 'coils'));
    this.discreteInputs = new Uint8Array(size(sizes.discreteInputs, 'discrete inputs'));
    this.holdingRegisters = new Uint16Array(size(sizes.holdingRegisters, 'holding registers'));
    this.inputRegisters = new Uint16Array(size(sizes.inputRegisters, 'input registers'));
    const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0x7f);
    this.deviceObjects.set(DeviceObjectId.VendorName, ascii('phasewire'));
    this.deviceObjects.set(DeviceObjectId.ProductCode, ascii('PW-SIM'));
    this.deviceObjects.set(DeviceObjectId.MajorMinorRevision, ascii('0.1'));
  }

  /** The handler to serve this memory with (ModbusTcpServer, RtuSlave, the simulated bus). */
  readonly handler: ModbusRequestHandler = (request) => this.#answer(request);

  #answer(request: ModbusRequest): ModbusResponse | ExceptionResponse {
    switch (request.functionCode) {
      case FunctionCode.ReadCoils:
      case FunctionCode.ReadDiscreteInputs: {
        const table = request.functionCode === FunctionCode.ReadCoils ? this.coils : this.discreteInputs;
        if (request.address + request.quantity > table.length) return exceptionFor(request, ExceptionCode.IllegalDataAddress);
        const values = Array.from(table.subarray(request.address, request.address + request.quantity), (bit) => bit !== 0);
        return { functionCode: request.functionCode, values };
      }
      case FunctionCode.ReadHoldingRegisters:
      case FunctionCode.ReadInputRegisters: {
        const table = request.functionCode === FunctionCode.ReadHoldingRegisters ? this.holdingRegisters : this.inputRegisters;
        if (request.address + request.quantity > table.length) return exceptionFor(request, ExceptionCode.IllegalDataAddress);
        return { functionCode: request.functionCode, values: table.slice(request.address, request.address + request.quantity) };
      }
      case FunctionCode.WriteSingleCoil:
        if (request.address >= this.coils.length) return exceptionFor(request, ExceptionCode.IllegalDataAddress);
        this.coils[request.address] = request.value ? 1 : 0;
        return request;
      case FunctionCode.WriteSingleRegister:
        if (request.address >= this.holdingRegisters.length) return exceptionFor(request, ExceptionCode.IllegalDataAddress);
        this.holdingRegisters[request.address] = request.value;
        return request;
      case FunctionCode.WriteMultipleCoils:
        if (request.address + request.values.length > this.coils.length) return exceptionFor(request, ExceptionCode.IllegalDataAddress);
        request.values.forEach((value, index) => { this.coils[request.address + index] = value ? 1 : 0; });
        return { functionCode: request.functionCode, address: request.address, quantity: request.values.length };
      case FunctionCode.WriteMultipleRegisters:
        if (request.address + request.values.length > this.holdingRegisters.length) return exceptionFor(request, ExceptionCode
          .IllegalDataAddress);
        this.holdingRegisters.set(request.values, request.address);
        return { functionCode: request.functionCode, address: request.address, quantity: request.values.length };
      case FunctionCode.EncapsulatedInterfaceTransport:
        return answerDeviceIdentification(request, this.deviceObjects, this.conformityLevel)
          ?? exceptionFor(request, ExceptionCode.IllegalDataAddress);
    }
  }
}

function size(value: number | undefined, what: string): number {
  const count = value ?? 0;
  if (!Number.isInteger(count) || count < 0 || count > ADDRESS_SPACE) {
    throw new ValidationError('PW_ERR_INVALID_ARGUMENT', `Cannot size the ${what} table at ${count}: expected 0 to 65536 items`);
  }
  return count;
}
