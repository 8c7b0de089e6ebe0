// The server's side of one request, independent of the transport: decode the PDU, hand the typed
// request to the handler, check the handler's answer and encode it. Every refusal the spec
// prescribes becomes its exception response (MBAP-APP §7 and the state diagrams of §6):
// an unknown function 0x01, an address range past 0xFFFF 0x02, a bad quantity or value 0x03,
// and a handler that fails or answers something else 0x04. The meter's Modbus slave, the TCP and
// serial servers and the simulated bus's slaves all serve through here.
import { DecodeError } from '@phasewire/core';
import { EXCEPTION_FLAG, ExceptionCode, FunctionCode } from '../function-code.ts';
import { decodeRequest } from '../pdu/request.ts';
import { encodeResponse } from '../pdu/response.ts';
import type { ExceptionResponse, ModbusRequest, ModbusResponse } from '../pdu/types.ts';

/**
 * Answers one decoded request for `unit`: a response, or an exception response (exceptionFor)
 * when the device refuses it, as a value or a promise. A thrown error answers 0x04.
 */
export type ModbusRequestHandler = (request: ModbusRequest, unit: number) =>
  ModbusResponse | ExceptionResponse | Promise<ModbusResponse | ExceptionResponse>;

/** The exception response to `request` with `exceptionCode`. */
export function exceptionFor(request: ModbusRequest, exceptionCode: number): ExceptionResponse {
  return { functionCode: request.functionCode, exceptionCode };
}

/** The exception a server answers to a request that does not decode. */
export function exceptionCodeFor(error: DecodeError): number {
  switch (error.code) {
    case 'PW_ERR_MODBUS_ILLEGAL_FUNCTION':
      return ExceptionCode.IllegalFunction;
    case 'PW_ERR_MODBUS_ILLEGAL_ADDRESS':
      return ExceptionCode.IllegalDataAddress;
    default:
      return ExceptionCode.IllegalDataValue;
  }
}

export interface ServeOptions {
  /** Told about handler failures (they are answered with 0x04); decoding refusals are the peer's, not reported. */
  readonly onError?: (error: unknown) => void;
}

/**
 * The response PDU to the request PDU `pdu` sent to `unit`, or undefined when there is nothing
 * to answer: an empty PDU, or function code 0 or 128–255, which are not functions (MBAP-APP §4.1)
 * and have no exception response. Never throws.
 */
export async function serveRequest(
  unit: number, pdu: Uint8Array, handler: ModbusRequestHandler, options: ServeOptions = {},
): Promise<Uint8Array | undefined> {
  const functionCode = pdu[0] ?? 0;
  if (functionCode === 0 || functionCode >= EXCEPTION_FLAG) return undefined;
  let request: ModbusRequest;
  try {
    request = decodeRequest(pdu);
  } catch (error) {
    const code = error instanceof DecodeError ? exceptionCodeFor(error) : ExceptionCode.ServerDeviceFailure;
    return encodeResponse({ functionCode, exceptionCode: code });
  }
  try {
    const response = await handler(request, unit);
    const mismatch = 'exceptionCode' in response ? exceptionMismatch(request, response) : answerMismatch(request, response);
    if (mismatch !== undefined) throw new Error(`The handler for unit ${unit} answered ${mismatch}`);
    return encodeResponse(response);
  } catch (error) {
    options.onError?.(error);
    return encodeResponse(exceptionFor(request, ExceptionCode.ServerDeviceFailure));
  }
}

function exceptionMismatch(request: ModbusRequest, response: ExceptionResponse): string | undefined {
  return response.functionCode === request.functionCode ? undefined : `an exception for function ${response
    .functionCode} to function ${request.functionCode}`;
}

/** Why `response` does not answer `request`, or undefined when it does. */
function answerMismatch(request: ModbusRequest, response: ModbusResponse): string | undefined {
  if (response.functionCode !== request.functionCode) return `function ${response.functionCode} to function ${request.functionCode}`;
  switch (request.functionCode) {
    case FunctionCode.ReadCoils:
    case FunctionCode.ReadDiscreteInputs:
    case FunctionCode.ReadHoldingRegisters:
    case FunctionCode.ReadInputRegisters: {
      const count = 'values' in response ? response.values.length : -1;
      return count === request.quantity ? undefined : `${count} values to a read of ${request.quantity}`;
    }
    case FunctionCode.WriteSingleCoil:
    case FunctionCode.WriteSingleRegister:
      return 'value' in response && response.address === request.address && response.value === request.value ? undefined :
        'a write with the wrong echo';
    case FunctionCode.WriteMultipleCoils:
    case FunctionCode.WriteMultipleRegisters:
      return 'quantity' in response && response.address === request.address && response.quantity === request.values.length ? undefined :
        'a write with the wrong echo';
    case FunctionCode.EncapsulatedInterfaceTransport:
      return 'readDeviceIdCode' in response && response.readDeviceIdCode === request.readDeviceIdCode ? undefined :
        'another read device id code';
  }
}
