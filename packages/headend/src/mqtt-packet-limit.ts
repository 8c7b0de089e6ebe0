// The size bound of MQTT packets, checked from each packet's fixed header as the bytes arrive and
// before the packet is buffered (MQTT 3.1.1 §2.2: one byte of type and flags, then the remaining
// length in one to four bytes of seven bits each, least significant first, §2.2.3). The embedded
// broker's parser collects a whole packet before it hands it on, up to 256 MiB; this scanner sees
// the length first, so a connection announcing a larger packet is closed when its header arrives.
// Pure and incremental: bytes in any split, a verdict per chunk.

/** MQTT 3.1.1 §2.2.3: at most four bytes of remaining length. */
const maxLengthBytes = 4;
/** §2.2.3: each length byte carries seven bits; the eighth says another byte follows. */
const continuation = 0x80;

export type PacketVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'oversized'; readonly length: number; readonly limit: number }
  | { readonly ok: false; readonly reason: 'malformed'; readonly detail: string };

const ok: PacketVerdict = { ok: true };

export class MqttPacketLimit {
  readonly limit: number;
  /** Bytes of the current packet's body still to pass; -1 while reading a fixed header. */
  #remaining = -1;
  #headerSeen = false;
  #length = 0;
  #lengthBytes = 0;
  #multiplier = 1;

  /** `limit`: the largest remaining length accepted (the packet minus its fixed header), bytes. */
  constructor(limit: number) {
    this.limit = limit;
  }

  /** Follows the packet boundaries through `chunk`; the first packet over the limit ends the stream. */
  push(chunk: Uint8Array): PacketVerdict {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#remaining > 0) {
        const skip = Math.min(this.#remaining, chunk.length - offset);
        this.#remaining -= skip;
        offset += skip;
        continue;
      }
      const byte = chunk[offset++] ?? 0;
      if (!this.#headerSeen) {
        this.#headerSeen = true;
        continue;
      }
      this.#length += (byte & 0x7f) * this.#multiplier;
      this.#multiplier *= 128;
      this.#lengthBytes += 1;
      if ((byte & continuation) !== 0) {
        if (this.#lengthBytes === maxLengthBytes) {
          return { ok: false, reason: 'malformed', detail: `its remaining length runs past ${maxLengthBytes} bytes (MQTT 3.1.1 §2.2.3)` };
        }
        continue;
      }
      if (this.#length > this.limit) return { ok: false, reason: 'oversized', length: this.#length, limit: this.limit };
      this.#remaining = this.#length;
      this.#headerSeen = false;
      this.#length = 0;
      this.#lengthBytes = 0;
      this.#multiplier = 1;
    }
    return ok;
  }
}
