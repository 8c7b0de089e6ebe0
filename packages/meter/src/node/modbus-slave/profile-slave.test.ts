import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SeededRandom, hasCode, parseMeterId, type Snapshot } from '@phasewire/core';
import {
  EventScheduler, SimulatedBus, SimulatedMaster, SimulatedSlave, decodeImage, defaultFraming, factorOf, parseDeviceProfile,
  planReads, registerImage, type DeviceProfile, type ModbusClient,
} from '@phasewire/modbus';
import { ModbusTcpClient, ModbusTcpServer } from '@phasewire/modbus/node';
import { createSimulatedMeter } from '../../simulated-meter.ts';
import { createProfileSlave } from '../../modbus-slave/profile-slave.ts';

// The profiles are data files of the gateway package; the meter reads them as files (it may not import the gateway).
const directory = join(import.meta.dirname, '..', '..', '..', '..', 'gateway', 'profiles');
const profiles: DeviceProfile[] = await Promise.all((await readdir(directory)).filter((f) => f.endsWith('.json')).sort()
  .map(async (f) => parseDeviceProfile(JSON.parse(await readFile(join(directory, f), 'utf8')), f)));

const start = Date.UTC(2026, 0, 1);
const snapshot: Snapshot = createSimulatedMeter({ meter: parseMeterId('meter-1'), scenario: 'balanced-motor', mode: 'phasor', seed: 3, start })
  .advanceTo(start + 3_600_000);

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
  for (const point of profile.points) {
    const expected = snapshot.values.get(point.obis) ?? 0;
    const got = read.get(point.obis);
    assert.ok(got !== undefined, `${profile.model} ${point.quantity.key} read`);
    const quantum = point.type.startsWith('float') ? Math.abs(expected) * 1e-6 : Math.abs(factorOf(point)) / 2;
    assert.ok(Math.abs(got - expected) <= quantum + 1e-9, `${profile.model} ${point.quantity.key}: ${got} vs ${expected}`);
  }
}

describe('the meter\'s Modbus slave for every device profile', () => {
  it('serves each of the eight models\' register maps on the simulated RS-485 bus', async () => {
    const scheduler = new EventScheduler();
    const bus = new SimulatedBus({ scheduler, framing: defaultFraming(9600), random: new SeededRandom(1) });
    profiles.forEach((profile, i) => new SimulatedSlave(bus, { addresses: [i + 1], handler: createProfileSlave({ profile, values: () => snapshot }), responseDelayMs: 5 }));
    const master = new SimulatedMaster(bus, { timeoutMs: 500 });
    for (const [i, profile] of profiles.entries()) assertServed(profile, await scheduler.runUntilSettled(readAll(master, i + 1, profile)));
  });

  it('serves them over Modbus/TCP on loopback', async () => {
    for (const profile of profiles) {
      const server = await ModbusTcpServer.listen({ handler: createProfileSlave({ profile, values: () => snapshot }), port: 0 });
      const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port: server.port });
      try {
        assertServed(profile, await readAll(client, 1, profile));
      } finally {
        await client.close();
        await server.close();
      }
    }
  });

  it('answers exception 0x02 to a read that touches an unmapped register, as real meters do', async () => {
    const profile = profiles.find((p) => p.model === 'sdm630')!;
    const server = await ModbusTcpServer.listen({ handler: createProfileSlave({ profile, values: () => snapshot }), port: 0 });
    const client = await ModbusTcpClient.connect({ host: '127.0.0.1', port: server.port });
    try {
      await assert.rejects(client.readInputRegisters(1, 0, 40), (e: unknown) => hasCode(e, 'PW_ERR_MODBUS_EXCEPTION') && (e as unknown as { exceptionCode: number }).exceptionCode === 2);
      await assert.rejects(client.readHoldingRegisters(1, 0, 2), (e: unknown) => (e as { exceptionCode: number }).exceptionCode === 2);
      await assert.rejects(client.readCoils(1, 0, 2), (e: unknown) => (e as { exceptionCode: number }).exceptionCode === 1);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
