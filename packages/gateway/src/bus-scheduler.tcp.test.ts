import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMeterId, type Snapshot } from '@phasewire/core';
import { factorOf } from '@phasewire/modbus';
import { ModbusTcpClient, ModbusTcpServer, nodeTimers } from '@phasewire/modbus/node';
import { BusScheduler } from './bus-scheduler.ts';
import { loadProfiles } from './node/load-profiles.ts';
import { testSlave } from './test-slave.ts';

const profiles = await loadProfiles();

describe('bus scheduler over Modbus/TCP on loopback', () => {
  it('reads the right values from each of the eight models', async () => {
    for (const profile of profiles) {
      const values = new Map(profile.points.map((point, i) => [point.obis, point.quantity.unit === '1' ? 0.5 + i / 100 : 100 + i]));
      const server = await ModbusTcpServer.listen({ handler: testSlave(profile, values), port: 0 });
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
