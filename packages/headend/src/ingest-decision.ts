// What the ingest does with an opened uplink: the pure part of the path. The envelope has been
// authenticated for the certificate's device and found fresh; here the body becomes a batch
// (core's fromWireBatch is the trust boundary) and the batch must be the topic's meter's.
//
// An authentic message refused here is refused for good: the same bytes sent again are refused the
// same way. The ingest acknowledges it with the refusal (ack `r`, docs/protocol.md), or the meter
// would keep it at the head of its queue and send it for ever.
import { DecodeError, fromWireBatch, PhasewireError, SecurityError } from '@phasewire/core';
import type { MeterId, Snapshot } from '@phasewire/core';

export type ReadingsDecision =
  | { readonly kind: 'readings'; readonly snapshots: readonly Snapshot[] }
  /** `readings`: what the message held (0 when its body could not be read as a batch). */
  | { readonly kind: 'refused'; readonly error: PhasewireError; readonly readings: number };

/** The snapshots of an authentic message on `topicDevice`'s up/readings topic, or its refusal for good. */
export function readingsDecision(topicDevice: MeterId, messageType: string, body: unknown): ReadingsDecision {
  if (messageType !== 'readings') {
    return { kind: 'refused', readings: 0, error: new DecodeError('PW_ERR_HEADEND_MESSAGE',
      `Cannot store readings of ${topicDevice}: the envelope holds a ${messageType} message; expected readings on up/readings`) };
  }
  let batch;
  try {
    batch = fromWireBatch(body);
  } catch (error) {
    // fromWireBatch is total: anything it refuses is a DecodeError.
    if (error instanceof DecodeError) return { kind: 'refused', readings: 0, error };
    throw error;
  }
  if (batch.meter !== topicDevice) {
    let readings = 0;
    for (const snapshot of batch.snapshots) readings += snapshot.values.size;
    return { kind: 'refused', readings, error: new SecurityError('PW_ERR_HEADEND_WRONG_METER',
      `Cannot store readings published on ${topicDevice}'s topic: the batch is of meter ${batch.meter}`) };
  }
  return { kind: 'readings', snapshots: batch.snapshots };
}

/**
 * Whether an envelope was refused because its body is not CBOR: the receiver decodes the body only
 * after AES-GCM has authenticated it (and before the replay window moves), so such a message is
 * authentic, and refused for good.
 */
export function unreadable(error: unknown): error is PhasewireError {
  return error instanceof PhasewireError && error.code === 'PW_ERR_ENVELOPE_BODY';
}
