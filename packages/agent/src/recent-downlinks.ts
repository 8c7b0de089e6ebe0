// The last downlink envelopes a meter accepted, kept to tell a redelivery from a replay. MQTT QoS 1
// is at least once: when a PUBACK is lost (a cellular link dropping, a restart of the agent's
// connection), the broker sends the same PUBLISH again. Its envelope was accepted the first time,
// so the replay window refuses the copy (PW_ERR_REPLAY), which is right; but an operator should
// not read that as an attack. A refused envelope byte for byte equal to one accepted recently is
// a duplicate delivery: dropped and counted, not reported as a refusal. Anything else the window
// refuses (an older counter never accepted, a copy of something long gone) stays a refusal.
// Only authenticated envelopes are remembered, so a forged copy cannot pass for a duplicate.

/** How many accepted envelopes are remembered by default: more than a QoS 1 session redelivers. */
export const RECENT_DOWNLINKS = 32;

export class RecentDownlinks {
  readonly #capacity: number;
  readonly #items: Uint8Array[] = [];
  #next = 0;

  constructor(capacity = RECENT_DOWNLINKS) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`RecentDownlinks keeps at least 1 envelope, not ${capacity}`);
    this.#capacity = capacity;
  }

  /** Remembers an accepted envelope (a copy: the caller's bytes may be a reused buffer). */
  remember(envelope: Uint8Array): void {
    const copy = Uint8Array.from(envelope);
    if (this.#items.length < this.#capacity) this.#items.push(copy);
    else this.#items[this.#next] = copy;
    this.#next = (this.#next + 1) % this.#capacity;
  }

  /** True when `envelope` is byte for byte one of the remembered ones. */
  has(envelope: Uint8Array): boolean {
    return this.#items.some((item) => sameBytes(item, envelope));
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}
