import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMeterId, type ObisCode, type Snapshot } from '@phasewire/core';
import { createProfileSlave, factorOf, planReads, type DeviceProfile } from '@phasewire/modbus';
import { ModbusTcpClient, ModbusTcpServer, loadProfiles, nodeTimers } from '@phasewire/modbus/node';
import { BusScheduler } from './bus-scheduler.ts';

const profiles = await loadProfiles();

describe('bus scheduler over Modbus/TCP on loopback', () => {
  it('reads the right values from each of the eight models', async () => {
    for (const profile of profiles) {
      const values = new Map(profile.points.map((point, i) => [point.obis, point.quantity.unit === '1' ? 0.5 + i / 100 : 100 + i]));
      const server = await ModbusTcpServer.listen({ handler: createProfileSlave({ profile, values }), port: 0 });
      const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port: server.port });
      try {
        const snapshot = await new Promise<Snapshot>((resolve) => {
          const gateway = new BusScheduler({
            client, timers: nodeTimers, devices: [{ meter: parseMeterId(`meter-${profile.model}`), unit: 1, profile, periodMs: 1000 }],
            onSnapshot: (s) => { void gateway.stop(); resolve(s); },
          });
          void gateway.start();
        });
        for (const point of profile.points) {
          const want = values.get(point.obis)!;
          const got = snapshot.values.get(point.obis)!;
          const tolerance = point.type.startsWith('float') ? Math.abs(want) * 1e-6 : Math.abs(factorOf(point));
          assert.ok(Math.abs(got - want) <= tolerance, `${profile.model} ${point.quantity.key}: ${got} vs ${want}`);
        }
      } finally {
        await client.close();
        await server.close();
      }
    }
  });
});

/**
 * A profile's test slave on phasewire's Modbus/TCP server that holds each answer until `gate`
 * requests are waiting (or 300 ms have passed), so the most requests it ever held at once is the
 * number the client had in flight together. `late(address)` answers that read after 400 ms.
 */
async function gatedServer(profile: DeviceProfile, values: ReadonlyMap<ObisCode, number>, gate: number, late: (address: number) => boolean =
  () => false) {
  const slave = createProfileSlave({ profile, values });
  const held: (() => void)[] = [];
  const seen = { most: 0, requests: 0 };
  const server = await ModbusTcpServer.listen({
    port: 0,
    handler: async (request, unit) => {
      seen.requests++;
      if ('address' in request && late(request.address)) {
        await new Promise((resolve) => setTimeout(resolve, 400));
        return slave(request, unit);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(release, 300);
        function release(): void {
          clearTimeout(timer);
          const index = held.indexOf(release);
          if (index >= 0) held.splice(index, 1);
          resolve();
        }
        held.push(release);
        seen.most = Math.max(seen.most, held.length);
        if (held.length >= gate) for (const next of held.splice(0)) next();
      });
      return slave(request, unit);
    },
  });
  return { server, seen };
}

const sdm630 = profiles.find((p) => p.model === 'sdm630');
assert.ok(sdm630 !== undefined);
const servedValues = new Map(sdm630.points.map((point, i) => [point.obis, point.quantity.unit === '1' ? 0.5 + i / 100 : 100 + i]));

function assertServed(snapshot: Snapshot): void {
  assert.ok(sdm630 !== undefined);
  for (const point of sdm630.points) {
    const want = servedValues.get(point.obis) ?? 0;
    const got = snapshot.values.get(point.obis) ?? Number.NaN;
    assert.ok(Math.abs(got - want) <= (point.type.startsWith('float') ? Math.abs(want) * 1e-6 : Math.abs(factorOf(point))), `${point
      .quantity.key}: ${got} vs ${want}`);
  }
}

describe('bus scheduler with maxInFlight on Modbus/TCP', () => {
  it('sends the read blocks of a poll together up to maxInFlight, and one at a time by default', async () => {
    const blocks = planReads(sdm630).length;
    assert.ok(blocks >= 8, `${blocks} read blocks`);
    for (const depth of [1, 4]) {
      const { server, seen } = await gatedServer(sdm630, servedValues, depth);
      const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port: server.port, maxInFlight: depth });
      try {
        const snapshots: Snapshot[] = [];
        const holder: { gateway?: BusScheduler } = {};
        const gateway: BusScheduler = new BusScheduler({
          client, timers: nodeTimers, maxInFlight: depth,
          devices: [{ meter: parseMeterId('pipelined-meter'), unit: 1, profile: sdm630, periodMs: 60_000, timeoutMs: 2000 }],
          onSnapshot: (s) => { snapshots.push(s); void holder.gateway?.stop(); },
        });
        holder.gateway = gateway;
        await gateway.start();
        assert.equal(snapshots.length, 1);
        assertServed(snapshots[0] ?? { meter: parseMeterId('none'), at: 0, values: new Map() });
        assert.equal(seen.most, depth, `maxInFlight ${depth}: at most ${seen.most} read(s) at the server at once`);
        const stats = gateway.stats().get(parseMeterId('pipelined-meter'));
        assert.deepEqual([stats?.requests, stats?.responses, stats?.polls, stats?.failedPolls, seen.requests], [blocks, blocks, 1, 0,
          blocks]);
      } finally {
        await client.close();
        await server.close();
      }
    }
  });

  it('fails the whole poll when one block times out, counts it, quarantines the meter and brings it back when it answers', async () => {
    const lateAddress = planReads(sdm630)[2]?.address;
    let broken = true;
    // Gate 1: every other block is answered at once.
    const { server } = await gatedServer(sdm630, servedValues, 1, (address) => broken && address === lateAddress);
    const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port: server.port, maxInFlight: 4 });
    const meter = parseMeterId('pipelined-meter');
    const snapshots: Snapshot[] = [];
    const transitions: boolean[] = [];
    let gateway: BusScheduler | undefined;
    try {
      let quarantined = (): void => undefined;
      const inQuarantine = new Promise<void>((resolve) => { quarantined = resolve; });
      let polled = (): void => undefined;
      const back = new Promise<void>((resolve) => { polled = resolve; });
      gateway = new BusScheduler({
        client, timers: nodeTimers, maxInFlight: 4, quarantineAfter: 2, backoffMs: 20,
        devices: [{ meter, unit: 1, profile: sdm630, periodMs: 300, timeoutMs: 150 }],
        onSnapshot: (s) => { snapshots.push(s); polled(); },
        onQuarantine: (_, on) => { transitions.push(on); if (on) quarantined(); },
      });
      const running = gateway.start();
      await inQuarantine;
      const stats = gateway.stats().get(meter);
      assert.equal(snapshots.length, 0, 'a failed poll emits nothing');
      assert.deepEqual([stats?.polls, stats?.failedPolls, stats?.timeouts, stats?.quarantines, stats?.quarantined], [2, 2, 2, 1, true]);
      assert.equal(stats?.responses, (stats?.requests ?? 0) - 2, 'every other block was answered and counted');
      broken = false;
      await back;
      await gateway.stop();
      await running;
      assert.deepEqual(transitions, [true, false]);
      assertServed(snapshots[0] ?? { meter, at: 0, values: new Map() });
      assert.ok((gateway.stats().get(meter)?.probes ?? 0) >= 1);
    } finally {
      await gateway?.stop();
      await client.close();
      await server.close();
    }
  });
});
