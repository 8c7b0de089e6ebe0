// Named constants of the Modbus Application Protocol Specification V1.1b3 (cited as MBAP-APP
// below). Const objects plus union types rather than enums: enums are not erasable syntax.

/** Public function codes this codec speaks (MBAP-APP §5.1, table "Public Function Code Definition"). */
export const FunctionCode = {
  /** §6.1 */
  ReadCoils: 0x01,
  /** §6.2 */
  ReadDiscreteInputs: 0x02,
  /** §6.3 */
  ReadHoldingRegisters: 0x03,
  /** §6.4 */
  ReadInputRegisters: 0x04,
  /** §6.5 */
  WriteSingleCoil: 0x05,
  /** §6.6 */
  WriteSingleRegister: 0x06,
  /** §6.11 */
  WriteMultipleCoils: 0x0f,
  /** §6.12 */
  WriteMultipleRegisters: 0x10,
  /** §6.19: Encapsulated Interface Transport; with MEI type 0x0E it is Read Device Identification (§6.21). */
  EncapsulatedInterfaceTransport: 0x2b,
} as const;
export type FunctionCode = (typeof FunctionCode)[keyof typeof FunctionCode];

/** MBAP-APP §7: an exception response carries the request's function code with this bit set. */
export const EXCEPTION_FLAG = 0x80;

/** Exception codes (MBAP-APP §7, table "MODBUS Exception Codes"). */
export const ExceptionCode = {
  IllegalFunction: 0x01,
  IllegalDataAddress: 0x02,
  IllegalDataValue: 0x03,
  ServerDeviceFailure: 0x04,
  Acknowledge: 0x05,
  ServerDeviceBusy: 0x06,
  MemoryParityError: 0x08,
  GatewayPathUnavailable: 0x0a,
  GatewayTargetDeviceFailedToRespond: 0x0b,
} as const;
export type ExceptionCode = (typeof ExceptionCode)[keyof typeof ExceptionCode];

const exceptionNames: Readonly<Record<number, string>> = {
  [ExceptionCode.IllegalFunction]: 'illegal function',
  [ExceptionCode.IllegalDataAddress]: 'illegal data address',
  [ExceptionCode.IllegalDataValue]: 'illegal data value',
  [ExceptionCode.ServerDeviceFailure]: 'server device failure',
  [ExceptionCode.Acknowledge]: 'acknowledge',
  [ExceptionCode.ServerDeviceBusy]: 'server device busy',
  [ExceptionCode.MemoryParityError]: 'memory parity error',
  [ExceptionCode.GatewayPathUnavailable]: 'gateway path unavailable',
  [ExceptionCode.GatewayTargetDeviceFailedToRespond]: 'gateway target device failed to respond',
};

/** `0x02 (illegal data address)`; codes the spec does not name print as `0x07 (unnamed)`. */
export function describeException(code: number): string {
  const hex = `0x${code.toString(16).padStart(2, '0')}`;
  return `${hex} (${exceptionNames[code] ?? 'unnamed'})`;
}

const functionNames: Readonly<Record<number, string>> = {
  [FunctionCode.ReadCoils]: 'read coils',
  [FunctionCode.ReadDiscreteInputs]: 'read discrete inputs',
  [FunctionCode.ReadHoldingRegisters]: 'read holding registers',
  [FunctionCode.ReadInputRegisters]: 'read input registers',
  [FunctionCode.WriteSingleCoil]: 'write single coil',
  [FunctionCode.WriteSingleRegister]: 'write single register',
  [FunctionCode.WriteMultipleCoils]: 'write multiple coils',
  [FunctionCode.WriteMultipleRegisters]: 'write multiple registers',
  [FunctionCode.EncapsulatedInterfaceTransport]: 'read device identification',
};

/** A readable name for error messages: `read holding registers (0x03)`. */
export function describeFunction(code: number): string {
  const hex = `0x${code.toString(16).padStart(2, '0')}`;
  const name = functionNames[code];
  return name === undefined ? `function ${hex}` : `${name} (${hex})`;
}

/** MEI types of function 0x2B (MBAP-APP §6.19, Annex "MEI Types"). */
export const MeiType = {
  /** §6.21 Read Device Identification. */
  ReadDeviceIdentification: 0x0e,
} as const;

/** Read Device ID codes of §6.21: which category of objects a request streams, or one object. */
export const ReadDeviceIdCode = {
  Basic: 0x01,
  Regular: 0x02,
  Extended: 0x03,
  /** Individual access to one object. */
  Specific: 0x04,
} as const;
export type ReadDeviceIdCode = (typeof ReadDeviceIdCode)[keyof typeof ReadDeviceIdCode];

/** Object ids of §6.21 (basic 0x00–0x02 mandatory, regular 0x03–0x7F, extended 0x80–0xFF private). */
export const DeviceObjectId = {
  VendorName: 0x00,
  ProductCode: 0x01,
  MajorMinorRevision: 0x02,
  VendorUrl: 0x03,
  ProductName: 0x04,
  ModelName: 0x05,
  UserApplicationName: 0x06,
} as const;

/** Conformity levels of §6.21: the category supported, plus 0x80 when individual access is too. */
export const ConformityLevel = {
  Basic: 0x01,
  Regular: 0x02,
  Extended: 0x03,
  BasicWithIndividual: 0x81,
  RegularWithIndividual: 0x82,
  ExtendedWithIndividual: 0x83,
} as const;

/** §6.21 "More Follows": 0xFF when the objects did not all fit in one response. */
export const MORE_FOLLOWS = 0xff;
