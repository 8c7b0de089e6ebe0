// What the ingest does with an opened uplink: the pure part of the path. The envelope has been
// authenticated for the certificate's device and found fresh; here the body becomes a batch
// (core's fromWireBatch is the trust boundary) and the batch must be the topic's meter's.
import { fromWireBatch, SecurityError } from '@phasewire/core';
import type { MeterId, Snapshot } from '@phasewire/core';

/** Decodes and checks a readings body; throws DecodeError (malformed) or SecurityError (wrong meter). */
export function readingsOf(topicDevice: MeterId, body: unknown): readonly Snapshot[] {
  const batch = fromWireBatch(body);
  if (batch.meter !== topicDevice) {
    throw new SecurityError('PW_ERR_HEADEND_WRONG_METER',
      `Cannot store readings published on ${topicDevice}'s topic: the batch is of meter ${batch.meter}`);
  }
  return batch.snapshots;
}
