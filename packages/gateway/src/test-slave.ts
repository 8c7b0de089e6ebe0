// Test support: a Modbus handler serving a profile's registers from fixed values, with its
// identify probe. (The meter package's createProfileSlave is the real one; the gateway may not
// import the meter package, so its tests use this small stand-in built on the same codec.)
import type { ObisCode } from '@phasewire/core';
import {
  ExceptionCode, FunctionCode, answerDeviceIdentification, encodePoint, exceptionFor, probeRegisters, registersOf,
  type DeviceProfile, type ModbusRequestHandler,
} from '@phasewire/modbus';

export function testSlave(profile: DeviceProfile, values: ReadonlyMap<ObisCode, number>): ModbusRequestHandler {
  const tables = new Map<number, Map<number, number>>([[3, new Map()], [4, new Map()]]);
  const probe = profile.identify;
  const objects = new Map<number, Uint8Array>();
  if (probe.kind === 'device-id') objects.set(probe.objectId, new TextEncoder().encode(probe.expect.prefix));
  else probeRegisters(probe).forEach((word, i) => tables.get(probe.functionCode)?.set(probe.address + i, word));
  for (const point of profile.points) {
    const words = encodePoint(point, values.get(point.obis) ?? 0);
    for (let i = 0; i < registersOf(point.type); i++) tables.get(point.functionCode)?.set(point.address + i, words[i] ?? 0);
  }
  return (request) => {
    if (request.functionCode === FunctionCode.ReadHoldingRegisters || request.functionCode === FunctionCode.ReadInputRegisters) {
      const table = tables.get(request.functionCode);
      const words = new Uint16Array(request.quantity);
      for (let i = 0; i < request.quantity; i++) {
        const word = table?.get(request.address + i);
        if (word === undefined) return exceptionFor(request, ExceptionCode.IllegalDataAddress);
        words[i] = word;
      }
      return { functionCode: request.functionCode, values: words };
    }
    if (request.functionCode === FunctionCode.EncapsulatedInterfaceTransport && objects.size > 0) {
      return answerDeviceIdentification(request, objects, 0x81) ?? exceptionFor(request, ExceptionCode.IllegalDataAddress);
    }
    return exceptionFor(request, ExceptionCode.IllegalFunction);
  };
}
