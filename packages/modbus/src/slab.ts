// Small typed arrays cut from shared slabs, the way Node pools small Buffers. A Modbus answer's PDU
// (up to 253 bytes) and its registers (up to 125 words) are each larger than the typed arrays V8
// keeps on its heap (64 bytes), so `new Uint8Array(162)` costs an ArrayBuffer with its own
// off-heap store, which the garbage collector then has to track and free: at thousands of reads a
// second that was the largest single cost of a read on the client (T11, docs/modbus.md). A view on
// a shared slab is an ordinary heap object. The price is retention: a slab lives as long as any
// view on it, so it is kept small (8 KiB) and large arrays are allocated on their own.

const SLAB_BYTES = 8 * 1024;
/** Arrays above this are allocated on their own (a slab holds at least 8 of the largest). */
const MAX_POOLED_BYTES = 1024;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;
/** Where the last `take` put its bytes in the slab it returned (a variable, not an object per call). */
let takenAt = 0;

/** The slab to cut `bytes` from at `takenAt`, or undefined for an array too large to pool. */
function take(bytes: number): ArrayBuffer | undefined {
  if (bytes > MAX_POOLED_BYTES) return undefined;
  // 8-byte alignment, so any typed array can start at the offset.
  const size = (bytes + 7) & ~7;
  if (used + size > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  takenAt = used;
  used += size;
  return slab;
}

/**
 * `length` zeroed bytes. For a frame about to be written to a socket this also saves a copy: Node
 * needs a typed array's ArrayBuffer to write it, and asking a small on-heap array for its buffer
 * moves it off the heap first.
 */
export function allocateBytes(length: number): Uint8Array {
  const buffer = take(length);
  return buffer === undefined ? new Uint8Array(length) : new Uint8Array(buffer, takenAt, length);
}

/** `count` 16-bit words, zeroed (a slab's bytes are handed out once and never reused). */
export function allocateWords(count: number): Uint16Array {
  const buffer = take(count * 2);
  return buffer === undefined ? new Uint16Array(count) : new Uint16Array(buffer, takenAt, count);
}
