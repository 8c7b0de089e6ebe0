// The meter's sealed relay status (@phasewire/core/protocol relay-status.ts): whenever the state of
// its load relay changes (a trip, a disconnect, a reconnect that arms or closes, the local confirm),
// the agent seals one into its durable queue (envelope type `status`, sent on up/events), so the
// head-end knows the relay as the meter does. The last one queued is kept in relay-status.json: a
// restarted agent sends again only what changed, and an agent whose relay never moved sends none
// (closed is what the head-end takes for a meter it has no status of).
import { join } from 'node:path';
import { encodeRelayStatus, type RelayStatus } from '@phasewire/core/protocol';
import type { ProtectedSource } from '../protected-source.ts';
import type { ReadingSource } from '../reading-source.ts';
import { readJson, writeJson } from './state-files.ts';

const file = 'relay-status.json';

/** The relay's state as `source` has it now, or undefined for a source with no relay (a Modbus meter behind a gateway). */
export function relayStatusOf(source: ReadingSource, at: number): RelayStatus | undefined {
  if ('state' in source && 'meter' in source) {
    const state = (source as ProtectedSource).state();
    const { relay, armed, openedBy, fn } = state.relay;
    const limit = state.loadLimit?.version;
    return {
      relay, armed, ...(openedBy === undefined ? {} : { by: openedBy }), ...(fn === undefined ? {} : { fn }), at,
      ...(limit === undefined ? {} : { loadLimitVersion: limit }),
    };
  }
  const relay = source.relay?.state;
  if (relay === undefined) return undefined;
  // Without local protection only the head-end's disconnect opens the relay.
  return { relay, armed: false, ...(relay === 'open' ? { by: 'remote' as const } : {}), at };
}

const sameState = (a: RelayStatus, b: RelayStatus): boolean =>
  a.relay === b.relay && a.armed === b.armed && a.by === b.by && a.fn === b.fn && a.loadLimitVersion === b.loadLimitVersion;

export class RelayStatusReporter {
  readonly #dataDir: string;
  #last: RelayStatus;
  /** The report under way: a command's and a reading's may overlap; they run one after the other. */
  #reporting: Promise<unknown> = Promise.resolve();

  private constructor(dataDir: string, last: RelayStatus) {
    this.#dataDir = dataDir;
    this.#last = last;
  }

  static async open(dataDir: string): Promise<RelayStatusReporter> {
    return new RelayStatusReporter(dataDir, await readJson<RelayStatus>(join(dataDir, file), { relay: 'closed', armed: false, at: 0 }));
  }

  /**
   * Seals the relay's state with `enqueue` when it differs from the last one queued; `at`: when it
   * changed (a trip's time) or now. Returns whether it queued one (then the caller sends).
   */
  report(source: ReadingSource, at: number, enqueue: (body: unknown) => Promise<void>): Promise<boolean> {
    const reported = this.#reporting.then(async () => {
      const status = relayStatusOf(source, at);
      if (status === undefined || sameState(status, this.#last)) return false;
      await enqueue(encodeRelayStatus(status));
      this.#last = status;
      await writeJson(join(this.#dataDir, file), status);
      return true;
    });
    this.#reporting = reported.catch(() => undefined);
    return reported;
  }
}
