// The typed requests and responses of the function codes phasewire speaks. The `functionCode`
// field discriminates the unions; addresses are the PDU's 0-based addresses (MBAP-APP §4.4), not
// the 1-based "register numbers" (40001…) of device manuals.
import type { FunctionCode, ReadDeviceIdCode } from '../function-code.ts';

type Fc = typeof FunctionCode;

/** §6.1, §6.2 */
export interface ReadBitsRequest {
  readonly functionCode: Fc['ReadCoils'] | Fc['ReadDiscreteInputs'];
  readonly address: number;
  readonly quantity: number;
}

/** §6.3, §6.4 */
export interface ReadRegistersRequest {
  readonly functionCode: Fc['ReadHoldingRegisters'] | Fc['ReadInputRegisters'];
  readonly address: number;
  readonly quantity: number;
}

/** §6.5 */
export interface WriteSingleCoilRequest {
  readonly functionCode: Fc['WriteSingleCoil'];
  readonly address: number;
  readonly value: boolean;
}

/** §6.6 */
export interface WriteSingleRegisterRequest {
  readonly functionCode: Fc['WriteSingleRegister'];
  readonly address: number;
  readonly value: number;
}

/** §6.11 */
export interface WriteMultipleCoilsRequest {
  readonly functionCode: Fc['WriteMultipleCoils'];
  readonly address: number;
  readonly values: readonly boolean[];
}

/** §6.12 */
export interface WriteMultipleRegistersRequest {
  readonly functionCode: Fc['WriteMultipleRegisters'];
  readonly address: number;
  readonly values: Uint16Array;
}

/** §6.21 (function 0x2B with MEI type 0x0E, the only MEI type phasewire speaks). */
export interface ReadDeviceIdentificationRequest {
  readonly functionCode: Fc['EncapsulatedInterfaceTransport'];
  readonly readDeviceIdCode: ReadDeviceIdCode;
  readonly objectId: number;
}

export type ModbusRequest =
  | ReadBitsRequest
  | ReadRegistersRequest
  | WriteSingleCoilRequest
  | WriteSingleRegisterRequest
  | WriteMultipleCoilsRequest
  | WriteMultipleRegistersRequest
  | ReadDeviceIdentificationRequest;

export interface ReadBitsResponse {
  readonly functionCode: Fc['ReadCoils'] | Fc['ReadDiscreteInputs'];
  /** As many values as the request's quantity; the padding bits of the last byte are dropped. */
  readonly values: readonly boolean[];
}

export interface ReadRegistersResponse {
  readonly functionCode: Fc['ReadHoldingRegisters'] | Fc['ReadInputRegisters'];
  readonly values: Uint16Array;
}

/** Write Single Coil echoes the request (§6.5). */
export interface WriteSingleCoilResponse {
  readonly functionCode: Fc['WriteSingleCoil'];
  readonly address: number;
  readonly value: boolean;
}

/** Write Single Register echoes the request (§6.6). */
export interface WriteSingleRegisterResponse {
  readonly functionCode: Fc['WriteSingleRegister'];
  readonly address: number;
  readonly value: number;
}

/** §6.11, §6.12: the address and quantity written. */
export interface WriteMultipleResponse {
  readonly functionCode: Fc['WriteMultipleCoils'] | Fc['WriteMultipleRegisters'];
  readonly address: number;
  readonly quantity: number;
}

/** One object of §6.21: an id and its value (an ASCII string for the standard objects). */
export interface DeviceObject {
  readonly id: number;
  readonly value: Uint8Array;
}

export interface ReadDeviceIdentificationResponse {
  readonly functionCode: Fc['EncapsulatedInterfaceTransport'];
  readonly readDeviceIdCode: ReadDeviceIdCode;
  readonly conformityLevel: number;
  /** True when the objects did not fit: ask again from `nextObjectId`. */
  readonly moreFollows: boolean;
  readonly nextObjectId: number;
  readonly objects: readonly DeviceObject[];
}

export type ModbusResponse =
  | ReadBitsResponse
  | ReadRegistersResponse
  | WriteSingleCoilResponse
  | WriteSingleRegisterResponse
  | WriteMultipleResponse
  | ReadDeviceIdentificationResponse;

/** §7: the server refused the request. `functionCode` is the request's (without the 0x80 flag). */
export interface ExceptionResponse {
  readonly functionCode: number;
  readonly exceptionCode: number;
}

export function isExceptionResponse(response: ModbusResponse | ExceptionResponse): response is ExceptionResponse {
  return 'exceptionCode' in response;
}

/** The response type that answers a request type. */
export type ResponseFor<R extends ModbusRequest> =
  R extends ReadBitsRequest ? ReadBitsResponse
    : R extends ReadRegistersRequest ? ReadRegistersResponse
      : R extends WriteSingleCoilRequest ? WriteSingleCoilResponse
        : R extends WriteSingleRegisterRequest ? WriteSingleRegisterResponse
          : R extends WriteMultipleCoilsRequest | WriteMultipleRegistersRequest ? WriteMultipleResponse
            : R extends ReadDeviceIdentificationRequest ? ReadDeviceIdentificationResponse
              : never;
