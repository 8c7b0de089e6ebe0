// Home Assistant's MQTT discovery for a facility's meters: the retained config message of each
// sensor, the state message they read their values from and the availability topics, so that the
// meters appear in Home Assistant with no configuration there and their registers can be picked in
// its energy dashboard. Pure: the server's publisher (server/src/node/home-assistant-publisher.ts)
// sends what this builds.
//
// The formats, as Home Assistant documents them:
//   discovery topic and payload   https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery
//     `<discovery_prefix>/<component>/[<node_id>/]<object_id>/config`, ids of [a-zA-Z0-9_-]
//   the MQTT sensor's keys        https://www.home-assistant.io/integrations/sensor.mqtt/
//   device classes and units      https://www.home-assistant.io/integrations/sensor/#device-class
//   the energy dashboard          https://www.home-assistant.io/docs/energy/electricity-grid/ : an energy
//     sensor (device_class energy, state_class total or total_increasing, unit Wh, kWh or MWh)
// home-assistant-schema.ts holds the same rules as a schema; the tests check every payload against it.
import { Q, roundToSteps } from '@phasewire/core';
import type { MeterId, ObisCode } from '@phasewire/core';

export type HaDeviceClass = 'energy' | 'power' | 'voltage' | 'current';
export type HaStateClass = 'measurement' | 'total' | 'total_increasing';

/** One sensor of a meter in Home Assistant: which quantity, in which of HA's units. */
export interface HaSensor {
  /** The `<object_id>` of the discovery topic and the key in the state message. */
  readonly object: string;
  readonly name: string;
  readonly quantity: ObisCode;
  readonly deviceClass: HaDeviceClass;
  readonly stateClass: HaStateClass;
  readonly unit: 'kWh' | 'W' | 'V' | 'A';
  /** The catalogue's base unit times this is the value in `unit` (Wh → kWh: 1/1000). */
  readonly scale: number;
  /** Whole steps per `unit` the value is rounded to (the catalogue's resolution, in `unit`). */
  readonly steps: number;
  readonly precision: number;
}

const phases = [1, 2, 3] as const;

/**
 * What a facility's energy dashboard needs of a three-phase meter: the import and export registers
 * (grid consumption and return to grid: `total_increasing`, they only grow, a register rollover is a
 * new cycle), the total active power, and the voltage and current of each phase.
 */
export const homeAssistantSensors: readonly HaSensor[] = [
  {
    object: 'energy_import', name: 'Energy import', quantity: Q.activeEnergyImport, deviceClass: 'energy', stateClass: 'total_increasing',
    unit: 'kWh', scale: 1 / 1000, steps: 10_000, precision: 3,
  },
  {
    object: 'energy_export', name: 'Energy export', quantity: Q.activeEnergyExport, deviceClass: 'energy', stateClass: 'total_increasing',
    unit: 'kWh', scale: 1 / 1000, steps: 10_000, precision: 3,
  },
  {
    object: 'power', name: 'Power', quantity: Q.activePower, deviceClass: 'power', stateClass: 'measurement', unit: 'W', scale: 1,
    steps: 10, precision: 0,
  },
  ...phases.map((n): HaSensor => ({
    object: `voltage_l${n}`, name: `Voltage L${n}`, quantity: Q[`voltageL${n}`], deviceClass: 'voltage', stateClass: 'measurement',
    unit: 'V', scale: 1, steps: 100, precision: 1,
  })),
  ...phases.map((n): HaSensor => ({
    object: `current_l${n}`, name: `Current L${n}`, quantity: Q[`currentL${n}`], deviceClass: 'current', stateClass: 'measurement',
    unit: 'A', scale: 1, steps: 1000, precision: 2,
  })),
];

export interface HomeAssistantTopics {
  /** Home Assistant's discovery prefix (its default: `homeassistant`). */
  readonly discoveryPrefix: string;
  /** Where phasewire publishes states and availability: `<prefix>/<meter>/state`, `<prefix>/status`. */
  readonly topicPrefix: string;
}

export interface HaDevice {
  readonly meter: MeterId;
  /** The meter's model when the registry knows it. */
  readonly model?: string;
}

export interface HaMessage {
  readonly topic: string;
  readonly payload: string;
}

/** The payloads of the availability topics (HA's defaults, written out). */
export const haAvailable = 'online';
export const haNotAvailable = 'offline';

/** The publisher's own availability: offline (its will) when its connection to the broker is lost. */
export const haBridgeTopic = (topics: HomeAssistantTopics): string => `${topics.topicPrefix}/status`;
export const haAvailabilityTopic = (topics: HomeAssistantTopics, meter: MeterId): string => `${topics.topicPrefix}/${meter}/availability`;
export const haStateTopic = (topics: HomeAssistantTopics, meter: MeterId): string => `${topics.topicPrefix}/${meter}/state`;

/** HA's node and object ids are [a-zA-Z0-9_-]; meter ids already are ([a-z0-9-], core/ids.ts). */
const nodeId = (meter: MeterId): string => `phasewire_${meter}`;

/** The retained config message of every sensor of one meter. */
export function haDiscoveryMessages(topics: HomeAssistantTopics, device: HaDevice, swVersion: string): HaMessage[] {
  const { meter } = device;
  const node = nodeId(meter);
  return homeAssistantSensors.map((sensor) => {
    const config = {
      name: sensor.name,
      unique_id: `${node}_${sensor.object}`,
      state_topic: haStateTopic(topics, meter),
      value_template: `{{ value_json.${sensor.object} }}`,
      device_class: sensor.deviceClass,
      state_class: sensor.stateClass,
      unit_of_measurement: sensor.unit,
      suggested_display_precision: sensor.precision,
      // Both must say online: the meter's link to the head-end, and the publisher's own to this broker.
      availability: [{ topic: haBridgeTopic(topics) }, { topic: haAvailabilityTopic(topics, meter) }],
      availability_mode: 'all',
      payload_available: haAvailable,
      payload_not_available: haNotAvailable,
      device: {
        identifiers: [node],
        name: `Meter ${meter}`,
        manufacturer: 'phasewire',
        model: device.model ?? 'three-phase meter',
        sw_version: swVersion,
      },
      origin: { name: 'phasewire', sw_version: swVersion },
    };
    return { topic: `${topics.discoveryPrefix}/sensor/${node}/${sensor.object}/config`, payload: JSON.stringify(config) };
  });
}

/**
 * The state message of one meter from its latest values (OBIS code → value in the catalogue's base
 * unit), in the sensors' units; a quantity the meter has not sent is left out. Undefined when the
 * meter has sent none of them.
 */
export function haStateMessage(topics: HomeAssistantTopics, meter: MeterId, values: ReadonlyMap<string, number>): HaMessage | undefined {
  const state: Record<string, number> = {};
  for (const sensor of homeAssistantSensors) {
    const value = values.get(sensor.quantity);
    if (value !== undefined && Number.isFinite(value)) state[sensor.object] = roundToSteps(value * sensor.scale, sensor.steps);
  }
  if (Object.keys(state).length === 0) return undefined;
  return { topic: haStateTopic(topics, meter), payload: JSON.stringify(state) };
}

/** The availability message of a meter: online while its link to the head-end is up. */
export function haAvailabilityMessage(topics: HomeAssistantTopics, meter: MeterId, online: boolean): HaMessage {
  return { topic: haAvailabilityTopic(topics, meter), payload: online ? haAvailable : haNotAvailable };
}
