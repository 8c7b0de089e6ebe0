// The server both clients of tcp-poll.bench.ts read: phasewire's Modbus/TCP server in a process
// of its own, so that neither client shares its event loop. Prints its port, serves until killed.
import { ModbusMemory } from '../../src/index.ts';
import { ModbusTcpServer } from '../../src/node/index.ts';

const memory = new ModbusMemory({ holdingRegisters: 100 });
for (let address = 0; address < 100; address++) memory.holdingRegisters[address] = address * 7;
const server = await ModbusTcpServer.listen({ handler: memory.handler });
console.log(server.port);
process.on('SIGTERM', () => { void server.close().then(() => process.exit(0)); });
