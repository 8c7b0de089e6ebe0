// The embedded broker's MQTT packet bound, measured: six devices each announce a PUBLISH of 256 MiB
// (the most MQTT 3.1.1 can say) and stream 48 MiB of it. The listener must close each connection at
// the fixed header, before the broker buffers the body: the process's buffer memory stays within a
// bound far below what was sent, and the devices' other readings are still stored.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { tlsClientOptions } from '@phasewire/secure/node';
import type { TestIdentity } from '@phasewire/secure/testing';
import { headEndFixture, snapshot, voltageL1 } from '../testing/headend-test-kit.ts';
import type { HeadEndFixture } from '../testing/headend-test-kit.ts';

const MiB = 1024 * 1024;
const devices = 6;
const sentPerDevice = 48 * MiB;
/** What the buffers of the whole process (head-end and devices) may grow by while 288 MiB are sent. */
const boundBytes = 32 * MiB;
const t0 = Date.UTC(2026, 0, 5, 10, 0);

/** Announces a 268,435,455-byte PUBLISH and writes `total` bytes of it (one reused chunk); resolves with what was written. */
function flood(
  port: number,
  identity: TestIdentity,
  f: HeadEndFixture,
  total: number,
): Promise<{ written: number; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ...tlsClientOptions(identity, f.ca.trustWithoutCrl, { servername: 'localhost' }) });
    const chunk = Buffer.alloc(MiB, 0x61);
    let written = 0;
    let done = false;
    const finish = (closedByServer: boolean): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ written, closedByServer });
    };
    const pump = (): void => {
      while (!done && written < total) {
        written += chunk.length;
        if (!socket.write(chunk)) { socket.once('drain', pump); return; }
      }
      if (written >= total) finish(false);
    };
    socket.once('secureConnect', () => {
      // MQTT 3.1.1 §2.2: PUBLISH QoS 1, remaining length 0xFF 0xFF 0xFF 0x7F.
      socket.write(Uint8Array.of(0x32, 0xff, 0xff, 0xff, 0x7f));
      pump();
    });
    socket.on('error', () => undefined);
    socket.once('close', () => { finish(true); });
  });
}

describe('the MQTT packet size bound of the embedded broker', { timeout: 120_000 }, () => {
  let f: HeadEndFixture;
  before(async () => { f = await headEndFixture('embedded'); });
  after(async () => { await f.close(); });

  it('closes six devices announcing 256 MiB packets at the header, within a memory bound, and keeps storing', async (t) => {
    const honest = await f.device('meter-honest-1');
    const identities = await Promise.all(Array.from({ length: devices }, (_, i) => f.ca.device(`meter-flood-${i}`)));
    const base = process.memoryUsage().arrayBuffers;
    let peak = base;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().arrayBuffers); }, 10);
    let results: { written: number; closedByServer: boolean }[];
    try {
      results = await Promise.all(identities.map((identity) => flood(f.headEnd.port, identity, f, sentPerDevice)));
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    } finally {
      clearInterval(sampler);
    }
    const growth = peak - base;
    t.diagnostic(`buffers grew by ${(growth / MiB).toFixed(1)} MiB (bound ${boundBytes / MiB} MiB) while ${devices} `
      + `x ${sentPerDevice / MiB} MiB were offered`);
    assert.ok(growth < boundBytes, `buffers grew by ${(growth / MiB).toFixed(1)} MiB while ${devices} x ${sentPerDevice / MiB} MiB were `
      + `sent; bound ${boundBytes / MiB} MiB`);
    assert.deepEqual(results.map((r) => r.closedByServer), Array.from({ length: devices }, () => true),
      'the server closed every flooding connection');
    for (let i = 0; i < devices; i++) assert.equal(f.headEnd.ingest.refusals.of(`meter-flood-${i}`, 'oversized'), 1);
    assert.ok(f.events.some((event) => event.code === 'PW_ERR_HEADEND_PACKET' && /announces 268435455 bytes/.test(event.msg)));
    await honest.publish(await honest.seal([snapshot(honest.id, t0, 230.5)]));
    await honest.acked(1n);
    assert.equal((await f.store.readings(honest.id, voltageL1, { from: t0, to: t0 + 1 }))[0]?.value, 230.5);
  });
});
