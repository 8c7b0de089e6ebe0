// Opens the Modbus client for a bus endpoint: a serial port, Modbus/TCP or RTU over TCP. Each
// reconnects by itself (docs/modbus.md), so the gateway opens it once.
import type { ChannelClient } from '@phasewire/modbus';
import { ModbusRtuOverTcpClient, ModbusSerialClient, ModbusTcpClient } from '@phasewire/modbus/node';
import type { BusEndpoint } from '../gateway-config.ts';

export async function openBus(endpoint: BusEndpoint, timeoutMs: number): Promise<ChannelClient> {
  switch (endpoint.kind) {
    case 'serial': return ModbusSerialClient.open({ path: endpoint.path, ...endpoint.framing, timeoutMs });
    case 'tcp': return ModbusTcpClient.connect({ host: endpoint.host, port: endpoint.port, timeoutMs, maxInFlight: endpoint.maxInFlight ??
      1 });
    case 'rtu+tcp': return ModbusRtuOverTcpClient.connect({ host: endpoint.host, port: endpoint.port, timeoutMs });
  }
}
