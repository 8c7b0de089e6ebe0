// Home Assistant's MQTT sensor discovery payload as its documentation states it, as a TypeBox
// schema: what a subscriber (and Home Assistant) may rely on in every config message phasewire
// publishes (home-assistant.ts). Written from the documentation, not from the builder:
//   https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery   (topic, device, origin, availability)
//   https://www.home-assistant.io/integrations/sensor.mqtt/           (the sensor's keys; `state_topic` required)
//   https://www.home-assistant.io/integrations/sensor/#device-class   (each device class's units)
//   https://www.home-assistant.io/docs/energy/electricity-grid/       (an energy-dashboard sensor: device_class
//     energy, state_class total or total_increasing, unit Wh, kWh or MWh)
// Closed objects: a key outside the documented set (a typo HA would ignore) fails. A device class
// is tied to its state classes and units, so a kWh power sensor, or an energy register that is a
// `measurement` (which the energy dashboard does not offer), fails too.
import { Type } from 'typebox';
import type { Static } from 'typebox';

const closed = { additionalProperties: false } as const;
/** HA: node and object ids "must only consist of characters from the character class [a-zA-Z0-9_-]". */
export const haIdPattern = '^[a-zA-Z0-9_-]+$';
/** A topic to publish to: no wildcards (MQTT 3.1.1 §4.7.1), not empty. */
const Topic = Type.String({ minLength: 1, pattern: '^[^#+]+$' });
const Template = Type.String({ minLength: 1 });

const Availability = Type.Object({
  topic: Topic,
  payload_available: Type.Optional(Type.String()),
  payload_not_available: Type.Optional(Type.String()),
  value_template: Type.Optional(Template),
}, closed);

const Device = Type.Object({
  identifiers: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })]),
  connections: Type.Optional(Type.Array(Type.Tuple([Type.String(), Type.String()]))),
  name: Type.Optional(Type.String()),
  manufacturer: Type.Optional(Type.String()),
  model: Type.Optional(Type.String()),
  model_id: Type.Optional(Type.String()),
  sw_version: Type.Optional(Type.String()),
  hw_version: Type.Optional(Type.String()),
  serial_number: Type.Optional(Type.String()),
  suggested_area: Type.Optional(Type.String()),
  via_device: Type.Optional(Type.String()),
  configuration_url: Type.Optional(Type.String()),
}, closed);

const Origin = Type.Object({
  name: Type.String({ minLength: 1 }),
  sw_version: Type.Optional(Type.String()),
  support_url: Type.Optional(Type.String()),
}, closed);

/** The keys every MQTT sensor may have, whatever it measures. */
const common = {
  state_topic: Topic,
  name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  unique_id: Type.String({ minLength: 1 }),
  object_id: Type.Optional(Type.String({ pattern: haIdPattern })),
  default_entity_id: Type.Optional(Type.String()),
  value_template: Type.Optional(Template),
  suggested_display_precision: Type.Optional(Type.Integer({ minimum: 0 })),
  availability_topic: Type.Optional(Topic),
  availability: Type.Optional(Type.Array(Availability, { minItems: 1 })),
  availability_mode: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('any'), Type.Literal('latest')])),
  payload_available: Type.Optional(Type.String()),
  payload_not_available: Type.Optional(Type.String()),
  expire_after: Type.Optional(Type.Integer({ minimum: 0 })),
  force_update: Type.Optional(Type.Boolean()),
  enabled_by_default: Type.Optional(Type.Boolean()),
  entity_category: Type.Optional(Type.Literal('diagnostic')),
  icon: Type.Optional(Type.String()),
  qos: Type.Optional(Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)])),
  json_attributes_topic: Type.Optional(Topic),
  json_attributes_template: Type.Optional(Template),
  device: Device,
  origin: Type.Optional(Origin),
};

const oneOf = (values: readonly string[]) => Type.Union(values.map((value) => Type.Literal(value)));

/** A sensor of `deviceClass`, in one of its units, with one of the state classes the use allows. */
const sensorOf = (deviceClass: string, stateClasses: readonly string[], units: readonly string[]) => Type.Object({
  ...common,
  device_class: Type.Literal(deviceClass),
  state_class: oneOf(stateClasses),
  unit_of_measurement: oneOf(units),
}, closed);

/**
 * A discovery payload of a phasewire meter's sensor: an energy register the energy dashboard can
 * take, or a power, voltage or current measurement in a unit HA allows for that class.
 */
export const HaSensorDiscoverySchema = Type.Union([
  sensorOf('energy', ['total', 'total_increasing'], ['Wh', 'kWh', 'MWh']),
  sensorOf('power', ['measurement'], ['mW', 'W', 'kW', 'MW', 'GW', 'TW']),
  sensorOf('voltage', ['measurement'], ['µV', 'mV', 'V', 'kV', 'MV']),
  sensorOf('current', ['measurement'], ['mA', 'A']),
]);
export type HaSensorDiscovery = Static<typeof HaSensorDiscoverySchema>;

/** The discovery topic of a sensor: `<discovery_prefix>/sensor/<node_id>/<object_id>/config`. */
export const haSensorConfigTopic = /^(?<prefix>[^#+]+)\/sensor\/(?<node>[a-zA-Z0-9_-]+)\/(?<object>[a-zA-Z0-9_-]+)\/config$/;
