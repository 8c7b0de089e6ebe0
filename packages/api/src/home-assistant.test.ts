import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMeterId, Q } from '@phasewire/core';
import { findSchemaProblem } from '@phasewire/core/schema';
import { haDiscoveryMessages, haStateMessage, homeAssistantSensors } from './home-assistant.ts';
import { HaSensorDiscoverySchema, haSensorConfigTopic } from './home-assistant-schema.ts';

const meter = parseMeterId('meter-ha-7');
const topics = { discoveryPrefix: 'homeassistant', topicPrefix: 'phasewire' };
const configs = haDiscoveryMessages(topics, { meter }, '1.2.3');
const energyImport = (): Record<string, unknown> =>
  JSON.parse(configs.find((m) => m.topic.endsWith('/energy_import/config'))?.payload ?? '{}') as Record<string, unknown>;

describe('Home Assistant discovery messages', () => {
  it('gives each sensor a config topic of HA\'s form and a payload that fits the documented schema', () => {
    assert.equal(configs.length, homeAssistantSensors.length);
    for (const { topic, payload } of configs) {
      assert.match(topic, haSensorConfigTopic);
      assert.equal(findSchemaProblem(HaSensorDiscoverySchema, JSON.parse(payload)), undefined, topic);
    }
    assert.deepEqual(configs.map((m) => m.topic.split('/')[3]), [
      'energy_import', 'energy_export', 'power', 'voltage_l1', 'voltage_l2', 'voltage_l3', 'current_l1', 'current_l2', 'current_l3',
    ]);
  });

  it('refuses what the energy dashboard or HA would not take: a measurement register, a kWh power, a missing state topic', () => {
    const refused = [
      { ...energyImport(), state_class: 'measurement' },
      { ...energyImport(), unit_of_measurement: 'kW' },
      { ...energyImport(), device_class: 'power' },
      { ...energyImport(), state_topic: undefined },
      { ...energyImport(), state_topic: 'phasewire/+/state' },
      { ...energyImport(), unique_id: undefined },
      { ...energyImport(), unit_of_measuremnt: 'kWh' },
    ];
    for (const payload of refused) assert.notEqual(findSchemaProblem(HaSensorDiscoverySchema, payload), undefined, JSON.stringify(payload));
  });

  it('states the latest values in the sensors\' units: Wh → kWh, V, A and W as stored; what was not sent is left out', () => {
    const values = new Map([[Q.activeEnergyImport, 1_234_567.8], [Q.activePower, 4321.5], [Q.voltageL2, 231.27]]);
    const state = haStateMessage(topics, meter, values);
    assert.ok(state !== undefined);
    assert.equal(state.topic, 'phasewire/meter-ha-7/state');
    assert.deepEqual(JSON.parse(state.payload), { energy_import: 1234.5678, power: 4321.5, voltage_l2: 231.27 });
    assert.equal(haStateMessage(topics, meter, new Map([[Q.frequency, 50]])), undefined);
  });
});
