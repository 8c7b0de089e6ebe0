// The event (meter → head-end, sealed `event` on pw/v1/<device>/up/events): a CBOR value the
// head-end records once per (device, key id, counter) and never acknowledges (docs/protocol.md).
// The only field the protocol reads is `kind`, text of at most 64 characters; an event without one
// is recorded as kind `event`. The rest of the body is kept as sent (the head-end bounds its size).
import { isMap, protocolLimits } from './limits.ts';

export interface EventBody {
  readonly kind: string;
  readonly body: unknown;
}

/** Reads an opened event body; total: any value is an event, of kind `event` when it names none. */
export function decodeEvent(value: unknown): EventBody {
  const field = value instanceof Map ? (value as Map<unknown, unknown>).get('kind') : isMap(value) ? value['kind'] : undefined;
  const kind = typeof field === 'string' && field.length > 0 && field.length <= protocolLimits.eventKindLength ? field : 'event';
  return { kind, body: value };
}
