// The Modbus-specific error classes. Codes live in @phasewire/core's table (errors.ts, section
// "modbus"); callers match on `code`, never on the message.
import { TransportError } from '@phasewire/core';
import { describeException, describeFunction } from './function-code.ts';

/** The device answered with an exception response (MBAP-APP §7). */
export class ModbusExceptionError extends TransportError {
  readonly unit: number;
  readonly functionCode: number;
  readonly exceptionCode: number;

  constructor(unit: number, functionCode: number, exceptionCode: number) {
    super('PW_ERR_MODBUS_EXCEPTION',
      `Cannot ${describeFunction(functionCode)} on unit ${unit}: the device answered exception ${describeException(exceptionCode)}`);
    this.unit = unit;
    this.functionCode = functionCode;
    this.exceptionCode = exceptionCode;
  }
}

export function timeoutError(unit: number, functionCode: number, timeoutMs: number): TransportError {
  return new TransportError('PW_ERR_MODBUS_TIMEOUT',
    `Cannot ${describeFunction(functionCode)} on unit ${unit}: no response within ${timeoutMs} ms`);
}

export function disconnectedError(unit: number, functionCode: number, reason: string, cause?: unknown): TransportError {
  return new TransportError('PW_ERR_MODBUS_DISCONNECTED',
    `Cannot ${describeFunction(functionCode)} on unit ${unit}: ${reason}`, cause === undefined ? undefined : { cause });
}

export function closedError(unit: number, functionCode: number): TransportError {
  return new TransportError('PW_ERR_MODBUS_CLOSED', `Cannot ${describeFunction(functionCode)} on unit ${unit}: the client is closed`);
}

export function queueFullError(unit: number, functionCode: number, limit: number): TransportError {
  return new TransportError('PW_ERR_MODBUS_QUEUE_FULL',
    `Cannot ${describeFunction(functionCode)} on unit ${unit}: ${limit} requests are already waiting for the link`);
}
