// One planned read on a client, by its function code.
import type { ModbusClient, PlannedRead } from '@phasewire/modbus';

export function readPlanned(client: ModbusClient, unit: number, read: Pick<PlannedRead, 'functionCode' | 'address' | 'count'>, timeoutMs:
  number): Promise<Uint16Array> {
  return read.functionCode === 3
    ? client.readHoldingRegisters(unit, read.address, read.count, { timeoutMs })
    : client.readInputRegisters(unit, read.address, read.count, { timeoutMs });
}
