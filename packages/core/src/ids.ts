// Branded identifiers. Each has one parse function that is the trust boundary for it.
import { ValidationError } from './errors.ts';

declare const id: unique symbol;
type Id<K extends string> = string & { readonly [id]: K };

/** A meter's identity in phasewire: also the name in its certificate and its MQTT namespace. */
export type MeterId = Id<'MeterId'>;
/** A gateway's identity (it polls meters on a bus and uplinks for them). */
export type GatewayId = Id<'GatewayId'>;

// Lower-case letters, digits and '-', 3 to 64 characters, starting with a letter or digit: safe
// as an MQTT topic level, a certificate DNS/URI name and a file name, with no normalisation.
const devicePattern = /^[a-z0-9][a-z0-9-]{2,63}$/;

function parseDeviceId(kind: string, value: string): string {
  if (!devicePattern.test(value)) {
    throw new ValidationError(
      'PW_ERR_INVALID_ID',
      `Cannot use ${JSON.stringify(value)} as a ${kind}: `
        + `expected 3 to 64 lower-case letters, digits or '-', starting with a letter or digit`,
    );
  }
  return value;
}

export const parseMeterId = (value: string): MeterId => parseDeviceId('meter id', value) as MeterId;
export const parseGatewayId = (value: string): GatewayId => parseDeviceId('gateway id', value) as GatewayId;
