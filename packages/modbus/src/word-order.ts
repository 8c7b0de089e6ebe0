// Byte and word order of multi-register values. Modbus fixes the order of the two bytes inside a
// register (big-endian, MBAP-APP §4.2) but says nothing about the order of registers that together
// hold a 32- or 64-bit value, so devices differ; this is users' complaint no. 2 (wrong word order).
//
// The four names describe where the bytes of a 32-bit value A B C D (A most significant) end up:
//   ABCD  big-endian: high word first, high byte first (the Modbus default; "no swap")
//   BADC  high word first, bytes swapped inside each word ("byte swap")
//   CDAB  low word first, high byte first inside each word ("word swap"; common on meters)
//   DCBA  little-endian: low word first, bytes swapped ("byte and word swap")
// A 64-bit value generalises the same two swaps: CDAB reverses the order of all four words
// (GH EF CD AB), BADC swaps the bytes inside each word, DCBA does both. A 16-bit value has one
// word, so only the byte swap applies: ABCD and CDAB read it big-endian, BADC and DCBA little-endian.

export type WordOrder = 'ABCD' | 'BADC' | 'CDAB' | 'DCBA';

export const wordOrders: readonly WordOrder[] = ['ABCD', 'BADC', 'CDAB', 'DCBA'];

/**
 * The offset in the device's byte layout of the byte that sits at `index` of the big-endian
 * layout, for a value of `size` bytes (2, 4 or 8). The permutation is its own inverse, so the
 * same function serves reading and writing.
 */
export function wireIndex(order: WordOrder, size: number, index: number): number {
  const word = index >> 1;
  const byte = index & 1;
  const wordSwap = order === 'CDAB' || order === 'DCBA';
  const byteSwap = order === 'BADC' || order === 'DCBA';
  const words = size >> 1;
  return (wordSwap ? words - 1 - word : word) * 2 + (byteSwap ? 1 - byte : byte);
}
