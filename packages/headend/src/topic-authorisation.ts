// Who may do what on the broker, decided from the certificate alone (SECURITY.md, transport): the
// device id in the client certificate is the identity, never the MQTT client id or username; a
// device publishes and subscribes only in its own namespace, a gateway also in those of the meters
// registered behind it. Core's mayPublish/maySubscribe are the namespace rule; this adds the
// registry and turns a "no" into an error that says why.
import { mayPublish, maySubscribe, SecurityError } from '@phasewire/core';
import type { GatewayId, MeterId } from '@phasewire/core';
import type { DeviceRecord } from './registry.ts';

/** The authenticated client of a connection: its certificate's device, and its registry entry. */
export interface Principal {
  readonly kind: 'meter' | 'gateway';
  readonly id: MeterId | GatewayId;
}

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly error: SecurityError };

const allowed: Decision = { allowed: true };
const refuse = (message: string): Decision => ({ allowed: false, error: new SecurityError('PW_ERR_HEADEND_UNAUTHORISED', message) });

/** CONNECT: the client id must be the certificate's device id, and the device must not be revoked. */
export function authoriseConnect(principal: Principal, clientId: string, record: DeviceRecord | undefined): Decision {
  if (clientId !== principal.id) {
    return refuse(`Cannot accept MQTT CONNECT from ${principal.kind} ${principal.id}: client id ${JSON.stringify(clientId)} is not the `
      + `certificate's device id`);
  }
  if (record?.state === 'revoked')
    return refuse(`Cannot accept MQTT CONNECT from ${principal.kind} ${principal.id}: the device is revoked in the registry`);
  if (record !== undefined && record.kind !== principal.kind) {
    return refuse(`Cannot accept MQTT CONNECT from ${principal.kind} ${principal.id}: the registry `
      + `knows ${principal.id} as a ${record.kind}`);
  }
  return allowed;
}

/** Ids are one grammar (core ids.ts), so a gateway id is checked by the same namespace rule. */
const asClient = (principal: Principal): MeterId => principal.id as MeterId;

export function authorisePublish(principal: Principal, topic: string, behind: ReadonlySet<MeterId>): Decision {
  if (mayPublish(asClient(principal), topic, principal.kind === 'gateway' ? behind : undefined)) return allowed;
  return refuse(`Cannot accept PUBLISH from ${principal.kind} ${principal.id} on ${JSON.stringify(topic)}: not an uplink topic of its own `
    + `namespace${principal.kind === 'gateway' ? ' or of a meter registered behind it' : ''}`);
}

export function authoriseSubscribe(principal: Principal, filter: string, behind: ReadonlySet<MeterId>): Decision {
  if (maySubscribe(asClient(principal), filter, principal.kind === 'gateway' ? behind : undefined)) return allowed;
  return refuse(`Cannot accept SUBSCRIBE from ${principal.kind} ${principal.id} to ${JSON.stringify(filter)}: not a downlink topic of its `
    + `own namespace${principal.kind === 'gateway' ? ' or of a meter registered behind it' : ''}`);
}
