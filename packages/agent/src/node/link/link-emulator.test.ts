import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { SeededRandom } from '@phasewire/core';
import { headerBytesPerSegment, LinkEmulator, maxSegmentSize } from './link-emulator.ts';

let echo: Server;
let echoPort = 0;

before(async () => {
  echo = createServer((socket) => { socket.pipe(socket); });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const address = echo.address();
  echoPort = typeof address === 'object' && address !== null ? address.port : 0;
});
after(async () => { await new Promise((resolve) => echo.close(resolve)); });

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => { resolve(socket); });
    socket.once('error', reject);
  });
}

function roundTrip(socket: Socket, payload: Buffer): Promise<{ data: Buffer; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      parts.push(chunk);
      size += chunk.length;
      if (size >= payload.length) {
        socket.off('data', onData);
        resolve({ data: Buffer.concat(parts), ms: performance.now() - started });
      }
    };
    socket.on('data', onData);
    socket.write(payload);
  });
}

describe('link emulator', () => {
  it('relays bytes unchanged and counts them with their segment headers', async () => {
    const link = await LinkEmulator.start({ target: { host: '127.0.0.1', port: echoPort }, conditions: { latencyMs: 0 },
      random: new SeededRandom(1) });
    const socket = await open(link.port);
    const payload = Buffer.alloc(5000, 7);
    const { data } = await roundTrip(socket, payload);
    assert.deepEqual(data, payload);
    assert.equal(link.stats.bytesUp, 5000);
    assert.equal(link.stats.bytesDown, 5000);
    assert.ok(link.stats.segmentsUp >= Math.ceil(5000 / maxSegmentSize));
    assert.equal(link.wireBytes, 10_000 + headerBytesPerSegment * (link.stats.segmentsUp + link.stats.segmentsDown));
    socket.destroy();
    await link.close();
  });

  it('delays each direction by the latency and the serialisation time of the rate', async () => {
    const link = await LinkEmulator.start({
      target: { host: '127.0.0.1', port: echoPort },
      conditions: { latencyMs: 100, upBitsPerSecond: 80_000, downBitsPerSecond: 1_000_000_000 },
      random: new SeededRandom(1),
    });
    const socket = await open(link.port);
    // 5,000 bytes (+ headers) at 80 kbit/s take at least 500 ms up, plus 100 ms each way.
    const { ms } = await roundTrip(socket, Buffer.alloc(5000, 1));
    assert.ok(ms >= 700, `round trip took ${ms} ms, expected at least 700`);
    socket.destroy();
    await link.close();
  });

  it('turns lost segments into retransmission delays, never into lost bytes', async () => {
    const link = await LinkEmulator.start({ target: { host: '127.0.0.1', port: echoPort },
      conditions: { latencyMs: 0, segmentLoss: 1, retransmitMs: 50 }, random: new SeededRandom(1) });
    const socket = await open(link.port);
    const payload = Buffer.from('reading batch');
    const { data, ms } = await roundTrip(socket, payload);
    // Closed before the checks, so that a failing check does not leave the file waiting on them.
    socket.destroy();
    await link.close();
    assert.deepEqual(data, payload);
    assert.equal(link.stats.retransmissions, link.stats.segmentsUp + link.stats.segmentsDown);
    // Two 50 ms retransmission delays. Node's timers count whole milliseconds and may fire up to one
    // early against performance.now() (a run measured 99.6 ms), hence 1 ms of slack per timer.
    assert.ok(ms >= 98, `${ms} ms`);
  });

  it('keeps the order of the bytes whatever the jitter (a TLS stream would fail on the first reordered record)', async () => {
    const link = await LinkEmulator.start({ target: { host: '127.0.0.1', port: echoPort }, conditions: { latencyMs: 5, jitterMs: 30 },
      random: new SeededRandom(3) });
    const socket = await open(link.port);
    const payload = Buffer.from(Array.from({ length: 4000 }, (_, i) => i % 251));
    const received = new Promise<Buffer>((resolve) => {
      const parts: Buffer[] = [];
      let size = 0;
      socket.on('data', (chunk: Buffer) => {
        parts.push(chunk);
        size += chunk.length;
        if (size >= payload.length) resolve(Buffer.concat(parts));
      });
    });
    // Small writes a millisecond apart, each its own chunk at the emulator: with jitter, a chunk due
    // before the one ahead of it waits for it, and the two are due at the same time.
    for (let offset = 0; offset < payload.length; offset += 40) {
      socket.write(payload.subarray(offset, offset + 40));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    assert.deepEqual(await received, payload);
    socket.destroy();
    await link.close();
  });

  it('delivers what a side wrote before it closed, then closes the other side', async () => {
    const received: Buffer[] = [];
    const sink = createServer((socket) => { socket.on('data', (chunk: Buffer) => { received.push(chunk); }); });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const address = sink.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const closed =
      new Promise<void>((resolve) => { sink.once('connection', (socket) => { socket.once('close', () => { resolve(); }); }); });
    const link =
      await LinkEmulator.start({ target: { host: '127.0.0.1', port }, conditions: { latencyMs: 100 }, random: new SeededRandom(1) });
    try {
      const socket = await open(link.port);
      // An MQTT client's goodbye: its last packet, then the end of its connection.
      socket.end(Buffer.from('DISCONNECT'));
      await closed;
      assert.equal(Buffer.concat(received).toString(), 'DISCONNECT');
    } finally {
      await link.close();
      await new Promise((resolve) => sink.close(resolve));
    }
  });

  it('drops every connection in an outage and refuses new ones until restored', async () => {
    const link = await LinkEmulator.start({ target: { host: '127.0.0.1', port: echoPort }, conditions: { latencyMs: 0 },
      random: new SeededRandom(1) });
    const socket = await open(link.port);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    link.cut();
    await closed;
    assert.equal(link.stats.dropped, 2);
    const refused = await open(link.port).then((s) => new Promise<boolean>((resolve) => {
      s.once('close', () => { resolve(true); });
      s.once('data', () => { resolve(false); });
      s.write('x');
    }), () => true);
    assert.equal(refused, true);
    link.restore();
    const again = await open(link.port);
    assert.deepEqual((await roundTrip(again, Buffer.from('back'))).data, Buffer.from('back'));
    again.destroy();
    await link.close();
  });
});
