// Random valid requests and responses for property tests and the fuzzer (fast-check).
import fc from 'fast-check';
import { ConformityLevel, FunctionCode, ReadDeviceIdCode } from '../function-code.ts';
import type { ModbusRequest, ModbusResponse } from '../pdu/types.ts';

/** A start address and a quantity whose range stays inside 0..65535. */
const range = (max: number) => fc.integer({ min: 1, max }).chain((quantity) =>
  fc.integer({ min: 0, max: 0x1_0000 - quantity }).map((address) => ({ address, quantity })));
/** fc.record builds null-prototype objects; the codec returns plain ones. */
const record = <T extends object>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> =>
  fc.record(model).map((value) => ({ ...value }));
const registers = (max: number) => fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: max }).map((values) =>
  Uint16Array.from(values));

export const arbitraryRequest: fc.Arbitrary<ModbusRequest> = fc.oneof(
  fc.tuple(fc.constantFrom(FunctionCode.ReadCoils, FunctionCode.ReadDiscreteInputs), range(2000))
    .map(([functionCode, r]) => ({ functionCode, ...r })),
  fc.tuple(fc.constantFrom(FunctionCode.ReadHoldingRegisters, FunctionCode.ReadInputRegisters), range(125))
    .map(([functionCode, r]) => ({ functionCode, ...r })),
  record({ functionCode: fc.constant(FunctionCode.WriteSingleCoil), address: fc.integer({ min: 0, max: 0xffff }), value: fc.boolean() }),
  record({ functionCode: fc.constant(FunctionCode.WriteSingleRegister), address: fc.integer({ min: 0, max: 0xffff }), value: fc.integer({
    min: 0, max: 0xffff }) }),
  range(1968).chain(({ address, quantity }) => fc.array(fc.boolean(), { minLength: quantity, maxLength: quantity })
    .map((values) => ({ functionCode: FunctionCode.WriteMultipleCoils, address, values }))),
  registers(123).chain((values) => fc.integer({ min: 0, max: 0x1_0000 - values.length })
    .map((address) => ({ functionCode: FunctionCode.WriteMultipleRegisters, address, values }))),
  record({
    functionCode: fc.constant(FunctionCode.EncapsulatedInterfaceTransport),
    readDeviceIdCode: fc.constantFrom(ReadDeviceIdCode.Basic, ReadDeviceIdCode.Regular, ReadDeviceIdCode.Extended, ReadDeviceIdCode
      .Specific),
    objectId: fc.integer({ min: 0, max: 0xff }),
  }),
);

/** A request and a valid response to it. */
export const arbitraryExchange: fc.Arbitrary<{ request: ModbusRequest; response: ModbusResponse }> = arbitraryRequest.chain((request) => {
  const answered = (response: fc.Arbitrary<ModbusResponse>) => response.map((r) => ({ request, response: r }));
  switch (request.functionCode) {
    case FunctionCode.ReadCoils:
    case FunctionCode.ReadDiscreteInputs:
      return answered(fc.array(fc.boolean(), { minLength: request.quantity, maxLength: request.quantity })
        .map((values) => ({ functionCode: request.functionCode, values })));
    case FunctionCode.ReadHoldingRegisters:
    case FunctionCode.ReadInputRegisters:
      return answered(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: request.quantity, maxLength: request.quantity })
        .map((values) => ({ functionCode: request.functionCode, values: Uint16Array.from(values) })));
    case FunctionCode.WriteSingleCoil:
    case FunctionCode.WriteSingleRegister:
      return fc.constant({ request, response: request });
    case FunctionCode.WriteMultipleCoils:
    case FunctionCode.WriteMultipleRegisters:
      return fc.constant({ request, response: { functionCode: request.functionCode, address: request.address, quantity: request.values
        .length } });
    case FunctionCode.EncapsulatedInterfaceTransport: {
      const object = record({ id: fc.integer({ min: 0, max: 0xff }), value: fc.uint8Array({ maxLength: 40 }) });
      const objects = request.readDeviceIdCode === ReadDeviceIdCode.Specific
        ? fc.uint8Array({ maxLength: 200 }).map((value) => [{ id: request.objectId, value }])
        : fc.array(object, { maxLength: 5 });
      return answered(record({
        functionCode: fc.constant(request.functionCode),
        readDeviceIdCode: fc.constant(request.readDeviceIdCode),
        conformityLevel: fc.constantFrom(...Object.values(ConformityLevel)),
        moreFollows: fc.boolean(),
        nextObjectId: fc.integer({ min: 0, max: 0xff }),
        objects,
      }));
    }
  }
});
