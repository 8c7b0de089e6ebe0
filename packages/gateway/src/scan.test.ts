// Identification on positive evidence: a generic Modbus device whose registers all read zero
// answers every "responds" probe, and must still not be named as any model.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '@phasewire/core';
import {
  EventScheduler, ExceptionCode, FunctionCode, SimulatedBus, SimulatedMaster, SimulatedSlave, defaultFraming, exceptionFor,
    type ModbusRequestHandler,
} from '@phasewire/modbus';
import { loadProfiles } from '@phasewire/modbus/node';
import { scanBus } from './scan.ts';

const profiles = await loadProfiles();

/** Every holding and input register reads `word`; no other function. */
const genericDevice = (word: number): ModbusRequestHandler => (request) => {
  if (request.functionCode === FunctionCode.ReadHoldingRegisters || request.functionCode === FunctionCode.ReadInputRegisters) {
    return { functionCode: request.functionCode, values: new Uint16Array(request.quantity).fill(word) };
  }
  return exceptionFor(request, ExceptionCode.IllegalFunction);
};

function bus() {
  const scheduler = new EventScheduler();
  const simulated = new SimulatedBus({ scheduler, framing: defaultFraming(9600), random: new SeededRandom(5) });
  return { scheduler, simulated, master: new SimulatedMaster(simulated, { timeoutMs: 300 }) };
}

describe('scan identifies a model only on positive evidence', () => {
  it('finds a device whose registers all read zero, and names no model for it, saying why', async () => {
    const { scheduler, simulated, master } = bus();
    new SimulatedSlave(simulated, { addresses: [7], handler: genericDevice(0), responseDelayMs: 5 });
    const found = await scheduler.runUntilSettled(scanBus(master, profiles, { units: [6, 7], timeoutMs: 200 }));
    assert.equal(found.length, 1);
    const device = found[0];
    assert.ok(device !== undefined);
    assert.equal(device.unit, 7);
    assert.equal(device.model, undefined, `named ${String(device.model)}: ${device.evidence}`);
    // Every profile whose probe only asks that a register answers was asked, and refused on its values.
    for (const model of ['dtsu666', 'sdm630', 'sdm72d', 'umg604']) {
      assert.match(device.evidence, new RegExp(
        `${model}: register 0x[0-9A-F]{4} \\(function [34]\\) answers but its register map reads no live meter`));
    }
    assert.match(device.evidence, /frequency 0 Hz, expected 45–65 Hz/);
    assert.match(device.evidence, /identity register 0x000B \(function 3\) holds 0/);
  });

  it('names no model for a device whose registers all read 0xFFFF (float NaN, or −1)', async () => {
    const { scheduler, simulated, master } = bus();
    new SimulatedSlave(simulated, { addresses: [9], handler: genericDevice(0xffff), responseDelayMs: 5 });
    const found = await scheduler.runUntilSettled(scanBus(master, profiles, { units: [9], timeoutMs: 200 }));
    assert.deepEqual(found.map(({ unit, model }) => ({ unit, model })), [{ unit: 9, model: undefined }]);
  });
});
