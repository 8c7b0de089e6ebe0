// The gateway's bus scheduler polling the meter's own Modbus slave, for every device profile: the
// register map is served from a simulated meter's readings and must decode back to them. This is
// the RS-485 path of the product end to end (over Modbus/TCP on loopback), composed as the CLI does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMeterId, type Snapshot } from '@phasewire/core';
import { BusScheduler } from '@phasewire/gateway';
import { createSimulatedMeter } from '@phasewire/meter';
import { createProfileSlave, factorOf } from '@phasewire/modbus';
import { ModbusTcpClient, ModbusTcpServer, loadProfiles, nodeTimers } from '@phasewire/modbus/node';

const profiles = await loadProfiles();
const start = Date.UTC(2026, 0, 5);

describe('gateway polling the meter slave of every profile', () => {
  for (const profile of profiles) {
    it(`reads ${profile.model} readings as the meter measured them`, async () => {
      const meter = parseMeterId(`meter-${profile.model}`);
      const simulated = createSimulatedMeter({ meter, scenario: 'unbalanced', mode: 'phasor', seed: 7, start });
      const measured = simulated.advanceTo(start + 60_000);
      const server = await ModbusTcpServer.listen({ handler: createProfileSlave({ profile, values: () => measured }), port: 0 });
      const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port: server.port });
      try {
        const polled = await new Promise<Snapshot>((resolve) => {
          const gateway = new BusScheduler({
            client, timers: nodeTimers, devices: [{ meter, unit: 1, profile, periodMs: 1000 }],
            onSnapshot: (snapshot) => { void gateway.stop(); resolve(snapshot); },
          });
          void gateway.start();
        });
        assert.equal(polled.meter, meter);
        let compared = 0;
        for (const point of profile.points) {
          const want = measured.values.get(point.obis);
          const got = polled.values.get(point.obis);
          if (want === undefined) continue;
          assert.ok(got !== undefined, `${profile.model}: ${point.quantity.key} was not polled`);
          // Within the register's resolution (its scale), or float32's precision.
          const tolerance = point.type.startsWith('float') ? Math.max(Math.abs(want) * 1e-6, 1e-6) : Math.abs(factorOf(point));
          assert.ok(Math.abs(got - want) <= tolerance, `${profile.model} ${point.quantity.key}: polled ${got}, measured ${want}`);
          compared++;
        }
        assert.ok(compared >= 8, `${profile.model}: only ${compared} quantities compared`);
      } finally {
        await client.close();
        await server.close();
      }
    });
  }
});
