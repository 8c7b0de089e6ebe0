// Modbus/TCP polling on one connection: reads of 80 holding registers per second by phasewire's
// client and by Debian's libmodbus client (C, compiled here from bench/peers/libmodbus-poll.c),
// each against the same phasewire server running in a process of its own. The clients alternate
// in short windows, so that other load on a shared machine hits them alike. Target T11: at least
// 1.0× libmodbus.
//
// The figure is like for like: phasewire one request at a time, as libmodbus (whose API allows no
// more) and as most meters' Modbus/TCP servers require. Recorded beside it: phasewire with 4
// requests in flight (MBAP transaction ids allow it, for servers that serve them concurrently),
// and a bare Node socket doing the same exchange with no codec and no promises at all, reading
// with `onread` into a reused buffer as phasewire's client does, which is the floor of any Node
// client's sequential round trip on this machine.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { Benchmark } from '@phasewire/bench';
import { encodeMbapFrame, encodeRequest } from '../src/index.ts';
import { ModbusTcpClient } from '../src/node/index.ts';

const run = promisify(execFile);
/** Measuring windows per client; the two clients alternate so that load on a shared machine hits both alike. */
const ROUNDS = 6;
const WINDOW_SECONDS = 0.4;
const REGISTERS = 80;
/** Requests in flight for the pipelined figure. */
const PIPELINE_DEPTH = 4;

async function compilePeer(directory: string): Promise<string> {
  const output = join(directory, 'libmodbus-poll');
  const flags = await run('pkg-config', ['--cflags', '--libs', 'libmodbus']).then(({ stdout }) => stdout.trim().split(/\s+/))
    .catch(() => ['-I/usr/include/modbus', '-lmodbus']);
  await run('cc', ['-O2', '-o', output, join(import.meta.dirname, 'peers', 'libmodbus-poll.c'), ...flags]);
  return output;
}

async function startServer(): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'peers', 'phasewire-server.ts')], { stdio: ['ignore', 'pipe',
    'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const [first] = await once(lines, 'line') as [string];
  return {
    port: Number(first),
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Reads in one window: `depth` loops share the connection, each awaiting its own read before the next. */
async function phasewireWindow(client: ModbusTcpClient, depth: number): Promise<{ reads: number; seconds: number }> {
  let reads = 0;
  const start = performance.now();
  const end = start + WINDOW_SECONDS * 1000;
  await Promise.all(Array.from({ length: depth }, async () => {
    while (performance.now() < end) {
      const values = await client.readHoldingRegisters(1, 0, REGISTERS);
      if (values.length !== REGISTERS) throw new Error(`read ${values.length} registers, expected ${REGISTERS}`);
      reads++;
    }
  }));
  return { reads, seconds: (performance.now() - start) / 1000 };
}

async function libmodbusWindow(binary: string, port: number): Promise<{ reads: number; seconds: number }> {
  const { stdout } = await run(binary, ['127.0.0.1', String(port), String(WINDOW_SECONDS)]);
  const [reads, seconds] = stdout.trim().split(' ').map(Number);
  if (reads === undefined || seconds === undefined || !(seconds > 0)) throw new Error(`libmodbus-poll printed ${stdout}`);
  return { reads, seconds };
}

/**
 * The same exchange on a bare socket: a fixed request written again as soon as the 169-byte answer
 * is in. It reads with `onread` into one reused buffer (no stream 'data' event, no Buffer per
 * read), as phasewire's client does, so that the floor is the cheapest a Node client can be.
 */
async function bareSocketWindow(port: number): Promise<{ reads: number; seconds: number }> {
  const request = Buffer.from(encodeMbapFrame({ transactionId: 1, unitId: 1, pdu: encodeRequest({ functionCode: 3, address: 0, quantity:
    REGISTERS }) }));
  const answerLength = 7 + 2 + REGISTERS * 2;
  let reads = 0;
  let pending = 0;
  let onChunk = (length: number): void => { pending += length; };
  const socket = new Socket({ onread: { buffer: Buffer.allocUnsafe(64 * 1024), callback: (length) => { onChunk(length); return true; } } });
  socket.setNoDelay(true);
  socket.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const start = performance.now();
  const end = start + WINDOW_SECONDS * 1000;
  await new Promise<void>((resolve) => {
    onChunk = (length) => {
      pending += length;
      if (pending < answerLength) return;
      pending -= answerLength;
      reads++;
      if (performance.now() < end) socket.write(request);
      else resolve();
    };
    socket.write(request);
  });
  const seconds = (performance.now() - start) / 1000;
  socket.destroy();
  return { reads, seconds };
}

const rate = (windows: readonly { reads: number; seconds: number }[]): number =>
  windows.reduce((sum, w) => sum + w.reads, 0) / windows.reduce((sum, w) => sum + w.seconds, 0);

const benchmark: Benchmark = {
  name: 'tcp-poll',
  title: 'Modbus/TCP reads of 80 registers per second on one connection, one request at a time: phasewire client vs libmodbus (C), same ' +
    'phasewire server',
  target: { atLeast: 1.0 },
  async measure() {
    const directory = await mkdtemp(join(tmpdir(), 'phasewire-bench-'));
    const server = await startServer();
    try {
      const binary = await compilePeer(directory);
      const sequential: { reads: number; seconds: number }[] = [];
      const pipelined: { reads: number; seconds: number }[] = [];
      const libmodbus: { reads: number; seconds: number }[] = [];
      const bare: { reads: number; seconds: number }[] = [];
      const sequentialClient = await ModbusTcpClient.connect({ host: '127.0.0.1', port: server.port });
      const pipelinedClient = await ModbusTcpClient.connect({ host: '127.0.0.1', port: server.port, maxInFlight: PIPELINE_DEPTH });
      try {
        // Warm-up: JIT for phasewire, the server's code paths for both.
        await phasewireWindow(sequentialClient, 1);
        await phasewireWindow(pipelinedClient, PIPELINE_DEPTH);
        await libmodbusWindow(binary, server.port);
        for (let round = 0; round < ROUNDS; round++) {
          // Alternate who goes first, so neither always follows the other.
          if (round % 2 === 0) {
            sequential.push(await phasewireWindow(sequentialClient, 1));
            libmodbus.push(await libmodbusWindow(binary, server.port));
          } else {
            libmodbus.push(await libmodbusWindow(binary, server.port));
            sequential.push(await phasewireWindow(sequentialClient, 1));
          }
          pipelined.push(await phasewireWindow(pipelinedClient, PIPELINE_DEPTH));
          bare.push(await bareSocketWindow(server.port));
        }
      } finally {
        await sequentialClient.close();
        await pipelinedClient.close();
      }
      const peer = rate(libmodbus);
      const ratio = (value: number): number => Math.round((value / peer) * 100) / 100;
      return {
        figure: { label: 'phasewire client, one request at a time', value: Math.round(rate(sequential)), unit: 'reads/s' },
        reference: { label: 'libmodbus client, one request at a time', value: Math.round(peer), unit: 'reads/s', kind: 'peer' },
        extra: {
          [`phasewire ${PIPELINE_DEPTH} requests in flight, reads/s`]: Math.round(rate(pipelined)),
          [`phasewire ${PIPELINE_DEPTH} in flight / libmodbus`]: ratio(rate(pipelined)),
          'bare Node socket one request at a time, reads/s': Math.round(rate(bare)),
          'bare Node socket / libmodbus': ratio(rate(bare)),
        },
      };
    } finally {
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    }
  },
};

export default benchmark;
