// The uplink channels beside readings, the same for both brokers: `status` (plain JSON, the agent's
// online/offline and its will) and `up/events` (sealed events, opened for the certificate's device
// like readings). Both are recorded in DeviceActivity; anything that does not parse or open is
// refused and counted like a bad readings message, and never stops the broker.
//
// Events are not acknowledged with a sealed ack (the ack contract is for the readings queue); their
// record is unique on (device, key id, counter), so a redelivery is recorded once.
import type { Clock, MeterId } from '@phasewire/core';
import { DecodeError } from '@phasewire/core';
import { decodeStatus } from '@phasewire/core/protocol';
import type { DeviceId, EnvelopeReceiver } from '@phasewire/secure';
import type { DeviceRegistry } from '../registry.ts';
import type { Ingest } from './ingest.ts';
import type { DeviceActivity } from './device-activity.ts';

export type SideChannel = 'status' | 'up/events';

export interface SideChannelsOptions {
  readonly activity: DeviceActivity;
  readonly receiver: EnvelopeReceiver;
  /** Counts and logs refusals under the sender, as for readings. */
  readonly ingest: Ingest;
  readonly clock: Clock;
  /** Keeps the model and link a status message reports (the fleet's "by link" view and `?link=` read them). */
  readonly registry?: Pick<DeviceRegistry, 'describe'>;
}

export class SideChannels {
  readonly #o: SideChannelsOptions;
  /** The messages each agent last said were queued as it came online (status `queued`); in memory only. */
  readonly #queued = new Map<string, number>();

  constructor(options: SideChannelsOptions) {
    this.#o = options;
  }

  get activity(): DeviceActivity {
    return this.#o.activity;
  }

  /** The queue depth each agent last reported, by device. */
  get reportedQueues(): ReadonlyMap<string, number> {
    return this.#queued;
  }

  /** Handles a message of `channel` that `sender` published on `device`'s topic; never rejects. */
  async handle(sender: DeviceId, device: MeterId, channel: SideChannel, payload: Uint8Array): Promise<void> {
    const { activity, ingest, clock } = this.#o;
    try {
      if (channel === 'status') {
        const status = decodeStatus(payload);
        activity.status(device, status.state, clock.now());
        if (status.queued !== undefined) this.#queued.set(device, status.queued);
        if (status.model !== undefined || status.link !== undefined) {
          this.#o.registry?.describe(device, {
            ...(status.model === undefined ? {} : { model: status.model }),
            ...(status.link === undefined ? {} : { linkProfile: status.link }),
          });
        }
        return;
      }
      const opened = await this.#o.receiver.openValue(sender, payload);
      if (opened.header.messageType !== 'event') {
        throw new DecodeError('PW_ERR_HEADEND_MESSAGE', `Cannot record an event of ${device}: `
          + `the envelope holds a ${opened.header.messageType} message; expected an event on up/events`);
      }
      activity.event(device, opened.header.keyId, opened.header.counter, clock.now(), opened.value);
    } catch (error) {
      ingest.refuse(sender, error, error instanceof DecodeError ? 'malformed' : undefined);
    }
  }
}
