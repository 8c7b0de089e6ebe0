// The simulated RS-485 bus: how much of the theoretical frame-time limit a poll loop on
// phasewire's RTU master achieves, at 9600 and 115200 baud (8E1). The limit of one read of 80
// holding registers is its 8 request and 165 response characters plus the two silences of t3.5
// the spec requires around them (Serial Line V1.02 §2.5.1.1); slaves answer as soon as t3.5
// allows, so what the figure measures is the master: gaps it leaves, time lost between a
// response and the next request. Each run polls four slaves round robin for one simulated hour
// per baud rate; the wall time that takes is recorded too. Target T11: at least 0.9 of the limit.
import { SeededRandom } from '@phasewire/core';
import type { Benchmark } from '@phasewire/bench';
import { EventScheduler, ModbusMemory, SimulatedBus, SimulatedMaster, SimulatedSlave, defaultFraming, rtuTiming } from '../src/index.ts';

const REGISTERS = 80;
const REQUEST_CHARACTERS = 8;
const RESPONSE_CHARACTERS = 5 + REGISTERS * 2;
const SLAVES = [1, 2, 3, 4];
const SIMULATED_MS = 3_600_000;

interface BaudResult {
  readonly share: number;
  readonly readsPerSecond: number;
  readonly limitPerSecond: number;
  readonly wallSeconds: number;
}

async function pollForAnHour(baudRate: number): Promise<BaudResult> {
  const framing = defaultFraming(baudRate);
  const timing = rtuTiming(framing);
  const scheduler = new EventScheduler();
  const bus = new SimulatedBus({ scheduler, framing, random: new SeededRandom(baudRate) });
  for (const address of SLAVES) {
    const memory = new ModbusMemory({ holdingRegisters: REGISTERS });
    memory.holdingRegisters.fill(address);
    new SimulatedSlave(bus, { addresses: [address], handler: memory.handler });
  }
  const master = new SimulatedMaster(bus, { timeoutMs: 1000 });
  let reads = 0;
  const poll = (async () => {
    for (let round = 0; scheduler.now() < SIMULATED_MS; round++) {
      const address = SLAVES[round % SLAVES.length] ?? 1;
      const values = await master.readHoldingRegisters(address, 0, REGISTERS);
      if (values[0] !== address) throw new Error(`slave ${address} answered ${values[0] ?? 'nothing'}`);
      reads++;
    }
  })();
  const start = performance.now();
  await scheduler.runUntilSettled(poll, SIMULATED_MS * 2);
  const wallSeconds = (performance.now() - start) / 1000;
  const readsPerSecond = reads / (scheduler.now() / 1000);
  const limitPerSecond = 1000 / ((REQUEST_CHARACTERS + RESPONSE_CHARACTERS) * timing.characterMs + 2 * timing.t35Ms);
  return { share: readsPerSecond / limitPerSecond, readsPerSecond, limitPerSecond, wallSeconds };
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

const benchmark: Benchmark = {
  name: 'bus-utilisation',
  title: 'Simulated RS-485 bus, reads of 80 registers from 4 slaves: share of the frame-time limit at 9600 and 115200 baud (8E1), the ' +
    'worse of the two',
  target: { atLeast: 0.9 },
  runs: 3,
  async measure() {
    const slow = await pollForAnHour(9600);
    const fast = await pollForAnHour(115_200);
    return {
      figure: { label: 'share of the frame-time limit achieved (worse baud rate)', value: round(Math.min(slow.share, fast.share) * 100, 2),
        unit: '%' },
      reference: { label: 'frame-time limit: characters + 2 × t3.5 per read', value: 100, unit: '%', kind: 'limit' },
      extra: {
        '9600 baud: share %': round(slow.share * 100, 3),
        '9600 baud: reads/s': round(slow.readsPerSecond, 3),
        '9600 baud: limit reads/s': round(slow.limitPerSecond, 3),
        '9600 baud: wall s per simulated hour': round(slow.wallSeconds, 2),
        '115200 baud: share %': round(fast.share * 100, 3),
        '115200 baud: reads/s': round(fast.readsPerSecond, 3),
        '115200 baud: limit reads/s': round(fast.limitPerSecond, 3),
        '115200 baud: wall s per simulated hour': round(fast.wallSeconds, 2),
      },
    };
  },
};

export default benchmark;
