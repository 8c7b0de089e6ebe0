// Stable identifiers of the resources of a Green Button feed: the same meter, quantity and day give
// the same UUID in every export, so that a third party that imports two overlapping feeds sees one
// IntervalBlock, not two (ESPI resources are identified by their mRID, a UUID; usage.xsd UUIDType).
// Pure: a name-based hash, not randomness.

/** FNV-1a, 32 bits, from a given offset basis (FNV's published prime 16777619). */
function fnv1a(text: string, basis: number): number {
  let hash = basis >>> 0;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16_777_619) >>> 0;
  }
  return hash >>> 0;
}

// Four independent 32-bit hashes (four offset bases) make the 128 bits of a UUID.
const bases = [0x811c_9dc5, 0x01000193, 0x5bd1_e995, 0x9e37_79b9];

/**
 * A UUID derived from a name, laid out per RFC 9562 as version 8 (custom): the version nibble is 8,
 * the variant bits 10. Lower-case hex, as usage.xsd's UUIDType pattern asks.
 */
export function nameUuid(name: string): string {
  const hex = bases.map((basis) => fnv1a(name, basis).toString(16).padStart(8, '0')).join('');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
