import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom, hasCode, type ObisCode } from '@phasewire/core';
import type { ModbusClient } from '../../client/modbus-client.ts';
import { decodeImage, planReads, registerImage } from '../../profiles/plan-reads.ts';
import { decodePoint, factorOf } from '../../profiles/point-codec.ts';
import { createProfileSlave } from '../../profiles/profile-slave.ts';
import type { DeviceProfile } from '../../profiles/profile-types.ts';
import { EventScheduler } from '../../sim/event-scheduler.ts';
import { defaultFraming } from '../../rtu/rtu-timing.ts';
import { SimulatedBus } from '../../sim/simulated-bus.ts';
import { SimulatedMaster } from '../../sim/simulated-master.ts';
import { SimulatedSlave } from '../../sim/simulated-slave.ts';
import { ModbusTcpClient } from '../tcp-client.ts';
import { ModbusTcpServer } from '../tcp-server.ts';
import { loadProfiles } from './load-profiles.ts';

const profiles = await loadProfiles();

/** Plausible values for every point of a profile, each distinct (a simulated meter's are served in packages/cli/test). */
function valuesFor(profile: DeviceProfile): Map<ObisCode, number> {
  const values = new Map<ObisCode, number>();
  profile.points.forEach((point, i) => {
    const unit = point.quantity.unit;
    const base = unit === 'V' ? 230 : unit === 'A' ? 10 : unit === 'Hz' ? 50 : unit === '1' ? 0.9
      : unit === 'Wh' || unit === 'varh' ? 1e6 : 2000;
    values.set(point.obis, base + (unit === '1' ? i / 1000 : i));
  });
  return values;
}

async function readAll(client: ModbusClient, unit: number, profile: DeviceProfile): Promise<Map<string, number>> {
  const results = [];
  for (const read of planReads(profile)) {
    const values = read.functionCode === 3
      ? await client.readHoldingRegisters(unit, read.address, read.count)
      : await client.readInputRegisters(unit, read.address, read.count);
    results.push({ read, values });
  }
  return decodeImage(profile.points, registerImage(results));
}

function assertServed(profile: DeviceProfile, read: ReadonlyMap<string, number>): void {
  const values = valuesFor(profile);
  for (const point of profile.points) {
    const expected = values.get(point.obis) ?? 0;
    const got = read.get(point.obis);
    assert.ok(got !== undefined, `${profile.model} ${point.quantity.key} read`);
    const quantum = point.type.startsWith('float') ? Math.abs(expected) * 1e-6 : Math.abs(factorOf(point)) / 2;
    assert.ok(Math.abs(got - expected) <= quantum + 1e-9, `${profile.model} ${point.quantity.key}: ${got} vs ${expected}`);
  }
}

describe('the Modbus slave of every device profile', () => {
  it('serves each of the eight models\' register maps on the simulated RS-485 bus', async () => {
    const scheduler = new EventScheduler();
    const bus = new SimulatedBus({ scheduler, framing: defaultFraming(9600), random: new SeededRandom(1) });
    profiles.forEach((profile, i) => new SimulatedSlave(bus, {
      addresses: [i + 1], handler: createProfileSlave({ profile, values: valuesFor(profile) }), responseDelayMs: 5,
    }));
    const master = new SimulatedMaster(bus, { timeoutMs: 500 });
    for (const [i, profile] of profiles.entries()) assertServed(profile, await scheduler.runUntilSettled(readAll(master, i + 1, profile)));
  });

  it('serves them over Modbus/TCP on loopback', async () => {
    for (const profile of profiles) {
      const server = await ModbusTcpServer.listen({ handler: createProfileSlave({ profile, values: valuesFor(profile) }), port: 0 });
      const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port: server.port });
      try {
        assertServed(profile, await readAll(client, 1, profile));
      } finally {
        await client.close();
        await server.close();
      }
    }
  });

  it('serves new values as soon as the source gives them', async () => {
    const profile = profiles.find((p) => p.model === 'sdm630')!;
    const frequency = profile.points.find((p) => p.quantity.key === 'frequency')!;
    let current = { values: new Map([[frequency.obis, 50]]) };
    const slave = createProfileSlave({ profile, values: () => current });
    const read = async (): Promise<number> => {
      const answer = await slave({ functionCode: frequency.functionCode, address: frequency.address, quantity: 2 }, 1);
      assert.ok('values' in answer && answer.values instanceof Uint16Array);
      return decodePoint(frequency, answer.values);
    };
    assert.equal(await read(), 50);
    current = { values: new Map([[frequency.obis, 49.5]]) };
    assert.equal(await read(), 49.5);
  });

  it('answers exception 0x02 to a read that touches an unmapped register, as real meters do', async () => {
    const profile = profiles.find((p) => p.model === 'sdm630')!;
    const server = await ModbusTcpServer.listen({ handler: createProfileSlave({ profile, values: valuesFor(profile) }), port: 0 });
    const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port: server.port });
    try {
      await assert.rejects(client.readInputRegisters(1, 0, 40), (e: unknown) => hasCode(e, 'PW_ERR_MODBUS_EXCEPTION') && (e as unknown as {
        exceptionCode: number }).exceptionCode === 2);
      await assert.rejects(client.readHoldingRegisters(1, 0, 2), (e: unknown) => (e as { exceptionCode: number }).exceptionCode === 2);
      await assert.rejects(client.readCoils(1, 0, 2), (e: unknown) => (e as { exceptionCode: number }).exceptionCode === 1);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
