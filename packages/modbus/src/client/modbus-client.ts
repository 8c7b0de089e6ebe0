// The one client contract of phasewire's Modbus transports. Modbus/TCP, RTU on a serial port,
// RTU over TCP and the simulated RS-485 bus all implement it through a ModbusChannel (which moves
// request PDUs to a unit and response PDUs back), so a poll scheduler written against ModbusClient
// runs unchanged on any of them. Results are typed; failures are typed errors:
//   ModbusExceptionError (PW_ERR_MODBUS_EXCEPTION, with the exception code),
//   TransportError PW_ERR_MODBUS_TIMEOUT / _DISCONNECTED / _CLOSED / _QUEUE_FULL,
//   DecodeError PW_ERR_CRC_MISMATCH (RTU) or PW_ERR_MODBUS_UNEXPECTED_RESPONSE and kin,
//   ValidationError PW_ERR_MODBUS_LIMIT for a request the spec forbids (never sent).
import { DecodeError, ValidationError } from '@phasewire/core';
import { ModbusExceptionError } from '../errors.ts';
import { FunctionCode, ReadDeviceIdCode, describeFunction } from '../function-code.ts';
import { decodeRequest, encodeRequest } from '../pdu/request.ts';
import { decodeResponse } from '../pdu/response.ts';
import { isExceptionResponse, type ModbusRequest, type ReadRegistersRequest, type ResponseFor } from '../pdu/types.ts';

export interface RequestOptions {
  /**
   * How long to wait for the response. On a serial bus (and RTU over TCP) it runs from the moment
   * the request is on the wire, so a dead device delays the requests queued behind it by at most
   * its own timeout and never makes them time out. On Modbus/TCP it runs from the call.
   */
  readonly timeoutMs?: number;
}

export interface TransactOptions {
  readonly timeoutMs: number;
}

/**
 * Moves one request PDU to a unit and its response PDU back (undefined when none is expected: an
 * RTU broadcast). `finish` makes the result from that answer in the turn it arrives, so a request
 * costs one promise; what `finish` throws rejects it.
 */
export interface ModbusChannel {
  transact<T>(unit: number, pdu: Uint8Array, options: TransactOptions, finish: (answer: Uint8Array | undefined) => T): Promise<T>;
  close(): Promise<void>;
}

/** What a channel keeps of a request in order to settle it. */
export interface Settleable {
  readonly finish: (answer: Uint8Array | undefined) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** Resolves a request with `finish(answer)`, or rejects it with what `finish` threw. */
export function settleWith(request: Settleable, answer: Uint8Array | undefined): void {
  let result: unknown;
  try {
    result = request.finish(answer);
  } catch (error) {
    request.reject(error instanceof Error ? error : new Error(String(error)));
    return;
  }
  request.resolve(result);
}

export interface DeviceIdentification {
  readonly conformityLevel: number;
  /** Object id → value (ASCII for the standard objects: see deviceObjectText). */
  readonly objects: ReadonlyMap<number, Uint8Array>;
}

export interface ModbusClient {
  readCoils(unit: number, address: number, quantity: number, options?: RequestOptions): Promise<readonly boolean[]>;
  readDiscreteInputs(unit: number, address: number, quantity: number, options?: RequestOptions): Promise<readonly boolean[]>;
  readHoldingRegisters(unit: number, address: number, quantity: number, options?: RequestOptions): Promise<Uint16Array>;
  readInputRegisters(unit: number, address: number, quantity: number, options?: RequestOptions): Promise<Uint16Array>;
  writeSingleCoil(unit: number, address: number, value: boolean, options?: RequestOptions): Promise<void>;
  writeSingleRegister(unit: number, address: number, value: number, options?: RequestOptions): Promise<void>;
  writeMultipleCoils(unit: number, address: number, values: readonly boolean[], options?: RequestOptions): Promise<void>;
  writeMultipleRegisters(unit: number, address: number, values: ArrayLike<number>, options?: RequestOptions): Promise<void>;
  /**
   * Reads every object of a category, following "more follows" (§6.21); `objectId` starts the stream or names the one object of
   * ReadDeviceIdCode.Specific.
   */
  readDeviceIdentification(unit: number, code?: ReadDeviceIdCode, options?: RequestOptions & { readonly objectId?: number }):
    Promise<DeviceIdentification>;
  /** Any request of the codec, typed by its function code. */
  request<R extends ModbusRequest>(unit: number, request: R, options?: RequestOptions): Promise<ResponseFor<R>>;
  close(): Promise<void>;
}

export const DEFAULT_TIMEOUT_MS = 1000;

// The continuations' parts as module functions: a closure made per request is garbage per read.
const sameResponse = <T>(response: T): T => response;
const registerValues = (response: { readonly values: Uint16Array }): Uint16Array => response.values;
function unansweredRead(pdu: Uint8Array, unit: number): never {
  throw new DecodeError('PW_ERR_MODBUS_UNEXPECTED_RESPONSE', `Cannot ${describeFunction(pdu[0] ??
    0)} on unit ${unit}: no answer came back, and a read is never broadcast`);
}

/** ModbusClient over any channel: encodes, sends, decodes against the request, turns exceptions into errors. */
export class ChannelClient implements ModbusClient {
  readonly #channel: ModbusChannel;
  readonly #timeoutMs: number;
  /** The transact options of a request that sets none, made once rather than per request. */
  readonly #defaults: TransactOptions;

  constructor(channel: ModbusChannel, options: { readonly timeoutMs?: number } = {}) {
    this.#channel = channel;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#defaults = { timeoutMs: this.#timeoutMs };
  }

  /**
   * Not `async`: the channel decodes the answer in the turn it arrives, so a request costs the
   * channel's one promise and no further async frames (T11 in docs/modbus.md). A request the codec
   * refuses still rejects instead of throwing.
   */
  request<R extends ModbusRequest>(unit: number, request: R, options?: RequestOptions): Promise<ResponseFor<R>> {
    return this.#exchange(unit, request, options, sameResponse, impliedResponse as (pdu: Uint8Array) => ResponseFor<R>);
  }

  /** Register reads, the hot path of polling: the values come out of the same continuation. */
  #readRegisters(unit: number, request: ReadRegistersRequest, options: RequestOptions | undefined): Promise<Uint16Array> {
    return this.#exchange(unit, request, options, registerValues, unansweredRead);
  }

  /**
   * Encodes, sends, and has the channel decode the answer as it arrives; `pick`
   * takes the result from the decoded response, `unanswered` answers a request that got no response
   * (an RTU broadcast). A request the codec refuses rejects instead of throwing.
   */
  #exchange<R extends ModbusRequest, T>(unit: number, request: R, options: RequestOptions | undefined,
    pick: (response: Exclude<ResponseFor<R>, { exceptionCode: number }>) => T, unanswered: (pdu: Uint8Array, unit: number) => T):
      Promise<T> {
    let pdu: Uint8Array;
    try {
      pdu = encodeRequest(request);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const transactOptions = options?.timeoutMs === undefined ? this.#defaults : { timeoutMs: options.timeoutMs };
    return this.#channel.transact(unit, pdu, transactOptions, (answer) => {
      if (answer === undefined) return unanswered(pdu, unit);
      const response = decodeResponse(answer, request, unit);
      if (isExceptionResponse(response)) throw new ModbusExceptionError(unit, request.functionCode, response.exceptionCode);
      return pick(response as Exclude<ResponseFor<R>, { exceptionCode: number }>);
    });
  }

  async readCoils(unit: number, address: number, quantity: number, options?: RequestOptions): Promise<readonly boolean[]> {
    return (await this.request(unit, { functionCode: FunctionCode.ReadCoils, address, quantity }, options)).values;
  }

  async readDiscreteInputs(unit: number, address: number, quantity: number, options?: RequestOptions): Promise<readonly boolean[]> {
    return (await this.request(unit, { functionCode: FunctionCode.ReadDiscreteInputs, address, quantity }, options)).values;
  }

  readHoldingRegisters(unit: number, address: number, quantity: number, options?: RequestOptions): Promise<Uint16Array> {
    return this.#readRegisters(unit, { functionCode: FunctionCode.ReadHoldingRegisters, address, quantity }, options);
  }

  readInputRegisters(unit: number, address: number, quantity: number, options?: RequestOptions): Promise<Uint16Array> {
    return this.#readRegisters(unit, { functionCode: FunctionCode.ReadInputRegisters, address, quantity }, options);
  }

  async writeSingleCoil(unit: number, address: number, value: boolean, options?: RequestOptions): Promise<void> {
    await this.request(unit, { functionCode: FunctionCode.WriteSingleCoil, address, value }, options);
  }

  async writeSingleRegister(unit: number, address: number, value: number, options?: RequestOptions): Promise<void> {
    await this.request(unit, { functionCode: FunctionCode.WriteSingleRegister, address, value }, options);
  }

  async writeMultipleCoils(unit: number, address: number, values: readonly boolean[], options?: RequestOptions): Promise<void> {
    await this.request(unit, { functionCode: FunctionCode.WriteMultipleCoils, address, values }, options);
  }

  async writeMultipleRegisters(unit: number, address: number, values: ArrayLike<number>, options?: RequestOptions): Promise<void> {
    // Checked before the copy: a Uint16Array would silently wrap 70000 to 4464.
    const registers = new Uint16Array(values.length);
    for (let index = 0; index < values.length; index++) {
      const value = values[index] ?? -1;
      if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
        throw new ValidationError('PW_ERR_MODBUS_LIMIT',
          `Cannot write multiple registers (0x10) on unit ${unit}: value ${value} at index ${index} is outside 0 to 65535`);
      }
      registers[index] = value;
    }
    await this.request(unit, { functionCode: FunctionCode.WriteMultipleRegisters, address, values: registers }, options);
  }

  async readDeviceIdentification(
    unit: number, code: ReadDeviceIdCode = ReadDeviceIdCode.Basic, options?: RequestOptions & { readonly objectId?: number },
  ): Promise<DeviceIdentification> {
    const objects = new Map<number, Uint8Array>();
    let objectId = options?.objectId ?? 0;
    // Each round must advance the object id, so at most 256 rounds: a device cannot loop us.
    for (;;) {
      const response = await this.request(unit, { functionCode: FunctionCode.EncapsulatedInterfaceTransport, readDeviceIdCode: code,
        objectId }, options);
      for (const object of response.objects) objects.set(object.id, object.value);
      if (!response.moreFollows || code === ReadDeviceIdCode.Specific) return { conformityLevel: response.conformityLevel, objects };
      if (response.nextObjectId <= objectId) {
        throw new DecodeError('PW_ERR_MODBUS_UNEXPECTED_RESPONSE',
          `Cannot read the device identification of unit ${unit}: "more follows" names object ${response
            .nextObjectId}, which does not advance past ${objectId} (§6.21)`);
      }
      objectId = response.nextObjectId;
    }
  }

  close(): Promise<void> {
    return this.#channel.close();
  }
}

/** A broadcast has no response (Serial Line V1.02 §2.1); a write's response would be its echo. */
function impliedResponse(pdu: Uint8Array): unknown {
  const request = decodeRequest(pdu);
  switch (request.functionCode) {
    case FunctionCode.WriteSingleCoil:
    case FunctionCode.WriteSingleRegister:
      return request;
    case FunctionCode.WriteMultipleCoils:
    case FunctionCode.WriteMultipleRegisters:
      return { functionCode: request.functionCode, address: request.address, quantity: request.values.length };
    default:
      return undefined;
  }
}
