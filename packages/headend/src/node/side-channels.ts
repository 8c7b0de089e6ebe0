// The uplink channels beside readings, the same for both brokers: `status` (plain JSON, the agent's
// online/offline and its will) and `up/events` (sealed events, opened for the certificate's device
// like readings). Both are recorded in DeviceActivity; anything that does not parse or open is
// refused and counted like a bad readings message, and never stops the broker.
//
// An event is recorded once per (device, key id, counter) and acknowledged with a sealed ack of its
// counter, as readings and command answers are: a meter agent puts its events (protection trips) in
// its durable queue, in counter order with its readings, and drops one only on that ack. A copy sent
// again after a lost ack is refused by the replay window; when it authenticates it is acknowledged
// again (and recorded once). The sealed relay status (envelope type `status`, relay-states.ts) comes
// the same way and is acknowledged the same way; the latest per meter is kept. An authentic message
// refused for good here (another type, a relay status that does not decode) is acknowledged with its
// refusal, as on up/readings, so that it cannot hold the meter's queue.
import type { Clock, MeterId } from '@phasewire/core';
import { DecodeError } from '@phasewire/core';
import { decodeEvent, decodeRelayStatus, decodeStatus, type FirmwareRunning } from '@phasewire/core/protocol';
import { PhasewireError } from '@phasewire/core';
import type { DeviceId, EnvelopeReceiver, OpenedValue } from '@phasewire/secure';
import type { DeviceRegistry } from '../registry.ts';
import type { Ingest } from './ingest.ts';
import type { DeviceActivity } from './device-activity.ts';
import type { RelayStates } from './relay-states.ts';

export type SideChannel = 'status' | 'up/events';

export interface SideChannelsOptions {
  readonly activity: DeviceActivity;
  readonly receiver: EnvelopeReceiver;
  /** Counts and logs refusals under the sender, as for readings. */
  readonly ingest: Ingest;
  readonly clock: Clock;
  /** Keeps the model and link a status message reports (the fleet's "by link" view and `?link=` read them). */
  readonly registry?: Pick<DeviceRegistry, 'describe'>;
  /** Where the sealed relay statuses go; absent: they are refused as of the wrong type. */
  readonly relayStates?: RelayStates;
  /** Acknowledges an event's envelope (sealed ack of its counter), so that it leaves the device's queue. */
  readonly acknowledge?: (sender: DeviceId, device: string, opened: OpenedValue, refusal?: string) => Promise<void>;
  /** Told of each event the first time it is recorded (not of a copy sent again), with its kind and body. */
  readonly onEvent?: (device: string, kind: string, body: unknown) => void;
}

export class SideChannels {
  readonly #o: SideChannelsOptions;
  /** The messages each agent last said were queued as it came online (status `queued`); in memory only. */
  readonly #queued = new Map<string, number>();
  /** The firmware each agent last said it runs (status `firmware`); in memory, as the broker keeps the retained status. */
  readonly #firmware = new Map<string, FirmwareRunning>();

  constructor(options: SideChannelsOptions) {
    this.#o = options;
  }

  get activity(): DeviceActivity {
    return this.#o.activity;
  }

  /** The firmware each agent last reported in its status, by device. */
  get reportedFirmware(): ReadonlyMap<string, FirmwareRunning> {
    return this.#firmware;
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
        if (status.firmware !== undefined) this.#firmware.set(device, status.firmware);
        if (status.model !== undefined || status.link !== undefined) {
          this.#o.registry?.describe(device, {
            ...(status.model === undefined ? {} : { model: status.model }),
            ...(status.link === undefined ? {} : { linkProfile: status.link }),
          });
        }
        return;
      }
      let opened: OpenedValue;
      try {
        opened = await this.#o.receiver.openValue(sender, payload);
      } catch (error) {
        // A copy of an event taken before (its ack was lost): acknowledged again if it authenticates.
        if (!(error instanceof PhasewireError && error.code === 'PW_ERR_REPLAY') || this.#o.acknowledge === undefined) throw error;
        const again = await this.#o.receiver.reopenValue(sender, payload);
        if (!this.#takes(again)) throw error;
        this.#record(device, again);
        await this.#o.acknowledge(sender, device, again);
        return;
      }
      let first: boolean;
      try {
        if (!this.#takes(opened)) {
          throw new DecodeError('PW_ERR_HEADEND_MESSAGE', `Cannot record an event of ${device}: `
            + `the envelope holds a ${opened.header.messageType} message; expected an event or a relay status on up/events`);
        }
        first = this.#record(device, opened);
      } catch (error) {
        // Authentic but refused for good (another type, a relay status that does not decode): sent again,
        // it would be refused again and hold the device's queue, so it is acknowledged with its refusal.
        if (error instanceof DecodeError) await this.#o.acknowledge?.(sender, device, opened, error.code);
        throw error;
      }
      await this.#o.acknowledge?.(sender, device, opened);
      if (first) this.#o.onEvent?.(device, decodeEvent(opened.value).kind, opened.value);
    } catch (error) {
      ingest.refuse(sender, error, error instanceof DecodeError ? 'malformed' : undefined);
    }
  }

  #takes(opened: OpenedValue): boolean {
    const type = opened.header.messageType;
    return type === 'event' || (type === 'status' && this.#o.relayStates !== undefined);
  }

  /** Records an event or a relay status; true for an event recorded the first time (not a copy sent again). */
  #record(device: MeterId, opened: OpenedValue): boolean {
    const { keyId, counter, messageType } = opened.header;
    const now = this.#o.clock.now();
    if (messageType === 'event') return this.#o.activity.event(device, keyId, counter, now, opened.value);
    // Decoded before it is recorded: a relay status that does not decode is refused (and acked with that refusal).
    const status = decodeRelayStatus(opened.value);
    this.#o.activity.seen(device, now);
    this.#o.relayStates?.record(device, keyId, counter, now, status);
    return false;
  }
}
