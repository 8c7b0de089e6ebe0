// The error hierarchy. Every error phasewire raises on purpose is a PhasewireError with a stable
// code from the table below; docs/errors.md is generated from this table (`npm run gen:docs`) and a
// test fails when it is out of date. Messages say what was being done, what was found and what
// was expected; a wrapped error is passed as `{ cause }`.

/** The family of an error: which kind of boundary or failure it belongs to. */
export type ErrorFamily = 'validation' | 'decode' | 'config' | 'security' | 'transport' | 'store' | 'internal';

interface ErrorCodeEntry {
  readonly family: ErrorFamily;
  /** When the code is raised, for docs/errors.md. */
  readonly summary: string;
}

export const errorCodes = {
  PW_ERR_INVALID_ARGUMENT: { family: 'validation', summary: 'A value passed to a function or command is outside its domain (negative duration, empty sample set, non-finite number).' },
  PW_ERR_INVALID_ID: { family: 'validation', summary: 'A meter or gateway id does not match the id grammar.' },
  PW_ERR_INVALID_OBIS: { family: 'validation', summary: 'An OBIS code is not of the form A-B:C.D.E*F with each group 0 to 255.' },
  PW_ERR_UNKNOWN_QUANTITY: { family: 'validation', summary: 'An OBIS code names no quantity in the catalogue.' },
  PW_ERR_UNKNOWN_SCENARIO: { family: 'validation', summary: 'A simulation scenario name is not one of the built-in scenarios.' },
  PW_ERR_INVALID_OPTION: { family: 'validation', summary: 'A command-line option or its value is malformed.' },
  PW_ERR_INVALID_CONFIG: { family: 'config', summary: 'A configuration file or object fails validation.' },
  PW_ERR_DECODE: { family: 'decode', summary: 'Bytes from outside do not decode to the expected structure.' },
  PW_ERR_BENCHMARK: { family: 'internal', summary: 'A benchmark is unknown or failed to run.' },
  // ── meter: sensing and metrology
  // ── modbus: codec, framers, transports, bus
  // ── secure: keystores and the payload envelope
  // ── secure: PKI, enrollment and the TLS policy
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof errorCodes;

/** Base of every deliberate phasewire error. Match on `code`, never on the message. */
export class PhasewireError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }

  override get name(): string {
    return this.constructor.name;
  }

  get family(): ErrorFamily {
    return errorCodes[this.code].family;
  }
}

/** Input that is well-formed but not acceptable: a bad argument, id, option or value. */
export class ValidationError extends PhasewireError {}
/** Bytes that do not decode. Decoders are total: this is the only thing they throw. */
export class DecodeError extends PhasewireError {}
/** Configuration that fails validation. */
export class ConfigError extends PhasewireError {}
/** Authentication, integrity, freshness or authorisation refused. */
export class SecurityError extends PhasewireError {}
/** A link, bus or peer failed or timed out. */
export class TransportError extends PhasewireError {}
/** The store refused or failed an operation. */
export class StoreError extends PhasewireError {}

/** True when `error` is a PhasewireError with the given code. */
export function hasCode(error: unknown, code: ErrorCode): error is PhasewireError {
  return error instanceof PhasewireError && error.code === code;
}
