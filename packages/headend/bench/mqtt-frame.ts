// The one piece of MQTT the benchmark's raw sockets parse themselves: where the next whole packet
// in a buffer starts and ends (MQTT 3.1.1 §2.2: a fixed-header byte, then the remaining length in
// 1 to 4 bytes of 7 bits each).

export interface MqttFrame {
  /** The fixed header's first byte (type in the high nibble, flags in the low one). */
  readonly first: number;
  /** Offset of the variable header (just after the remaining length). */
  readonly body: number;
  /** Offset just past the packet. */
  readonly end: number;
}

/** The whole packet at `offset`, or undefined when the buffer holds only part of it. */
export function mqttFrameAt(buffer: Buffer, offset: number): MqttFrame | undefined {
  const first = buffer[offset];
  if (first === undefined) return undefined;
  let length = 0;
  let multiplier = 1;
  let cursor = offset + 1;
  for (let i = 0; i < 4 && cursor < buffer.length; i++) {
    const byte = buffer[cursor++] ?? 0;
    length += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    if ((byte & 0x80) === 0) return cursor + length > buffer.length ? undefined : { first, body: cursor, end: cursor + length };
  }
  return undefined;
}
