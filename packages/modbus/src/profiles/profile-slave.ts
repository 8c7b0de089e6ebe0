// A Modbus slave that serves one meter model's register map, from a device profile and a source of
// live values (a simulated meter's snapshots, or fixed values in tests). It is a ModbusRequestHandler,
// so it runs unchanged on the TCP server, the serial server and the simulated bus. Like a real meter
// it answers exception 0x02 to a read that touches an unmapped register, 0x01 to functions the model
// lacks, and serves its identify probe (an identification register or the device-id objects).
import type { ObisCode } from '@phasewire/core';
import { ExceptionCode, FunctionCode } from '../function-code.ts';
import { answerDeviceIdentification } from '../pdu/device-identification.ts';
import { exceptionFor, type ModbusRequestHandler } from '../server/serve-request.ts';
import { encodePoint } from './point-codec.ts';
import { probeRegisters } from './probe.ts';
import { registersOf, type DeviceProfile } from './profile-types.ts';

export interface ProfileSlaveOptions {
  readonly profile: DeviceProfile;
  /**
   * The values to serve: fixed, or read on every request (e.g. `() => meter.advanceTo(clock.now())`:
   * a Snapshot fits). The register image is rebuilt only when the map is another object.
   */
  readonly values: ReadonlyMap<ObisCode, number> | (() => { readonly values: ReadonlyMap<ObisCode, number> });
}

type Table = Map<number, number>;

/** Builds the handler. Registers of points missing from the values read as 0 (the meter has no such value). */
export function createProfileSlave(options: ProfileSlaveOptions): ModbusRequestHandler {
  const { profile } = options;
  const fixed = new Map<number, Table>([[3, new Map()], [4, new Map()]]);
  const probe = profile.identify;
  if (probe.kind === 'register') probeRegisters(probe).forEach((word, i) => fixed.get(probe.functionCode)?.set(probe.address + i, word));
  const objects = new Map<number, Uint8Array>();
  if (profile.identify.kind === 'device-id') {
    objects.set(profile.identify.objectId, new TextEncoder().encode(profile.identify.expect.prefix));
  }

  const { values } = options;
  const current = typeof values === 'function' ? () => values().values : () => values;
  let served: { values: ReadonlyMap<ObisCode, number>; tables: Map<number, Table> } | undefined;
  const image = (values: ReadonlyMap<ObisCode, number>): Map<number, Table> => {
    if (served?.values === values) return served.tables;
    const tables = new Map<number, Table>([[3, new Map(fixed.get(3))], [4, new Map(fixed.get(4))]]);
    for (const point of profile.points) {
      const words = encodePoint(point, values.get(point.obis) ?? 0);
      const table = tables.get(point.functionCode);
      for (let i = 0; i < registersOf(point.type); i++) table?.set(point.address + i, words[i] ?? 0);
    }
    served = { values, tables };
    return tables;
  };

  return (request) => {
    switch (request.functionCode) {
      case FunctionCode.ReadHoldingRegisters:
      case FunctionCode.ReadInputRegisters: {
        const table = image(current()).get(request.functionCode);
        const words = new Uint16Array(request.quantity);
        for (let i = 0; i < request.quantity; i++) {
          const word = table?.get(request.address + i);
          if (word === undefined) return exceptionFor(request, ExceptionCode.IllegalDataAddress);
          words[i] = word;
        }
        return { functionCode: request.functionCode, values: words };
      }
      case FunctionCode.EncapsulatedInterfaceTransport: {
        if (objects.size === 0) return exceptionFor(request, ExceptionCode.IllegalFunction);
        return answerDeviceIdentification(request, objects, 0x81) ?? exceptionFor(request, ExceptionCode.IllegalDataAddress);
      }
      default:
        return exceptionFor(request, ExceptionCode.IllegalFunction);
    }
  };
}
