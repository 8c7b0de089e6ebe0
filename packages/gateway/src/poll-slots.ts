// The wall-clock times a meter behind the gateway is polled at, and the time its snapshot is stamped
// with. The MDM builds interval data and judges a meter's analytics from readings stamped exactly
// on the 15-minute interval grid, as a meter's own load profile is (store/intervals.ts: an interval
// is the difference of two register reads on the grid). A gateway that polled at arbitrary offsets
// (its start time plus multiples of the period) gave the MDM no interval of a Modbus meter at all.
//
// Slots are the multiples of the meter's period counted from each interval boundary, so every
// boundary is a slot whatever the period (a 7 s period polls at :00, :07, … :56 and again at the
// boundary). A poll that starts within the slot tolerance after its slot is stamped with the slot:
// the reading of that slot, taken up to the tolerance late because the half-duplex bus serves one
// meter at a time. A poll that starts later (after a backoff, a probe, a very busy bus) keeps its
// own start time, and the interval it should have closed is a gap that VEE estimates and flags,
// rather than a value shifted by more than the tolerance.

/** The load-profile interval of the MDM (15 minutes). */
export const loadProfileIntervalMs = 900_000;

/**
 * How late after its slot a poll may start and still be stamped with it: half the period (nearer
 * its own slot than the next), at most 15 s. Every meter of a bus is due at the same slot and the
 * bus serves them one after the other: at 9600 baud eight meters of three read blocks take ~3 s.
 */
export function slotToleranceMs(periodMs: number): number {
  return Math.min(periodMs / 2, 15_000);
}

/** The interval boundary at or before `wall` and the slot at or before it. */
function slotAt(wall: number, periodMs: number): { boundary: number; slot: number } {
  const boundary = Math.floor(wall / loadProfileIntervalMs) * loadProfileIntervalMs;
  return { boundary, slot: boundary + Math.floor((wall - boundary) / periodMs) * periodMs };
}

/** The first slot strictly after `wall`. */
export function nextSlot(wall: number, periodMs: number): number {
  const { boundary, slot } = slotAt(wall, periodMs);
  return Math.min(slot + periodMs, boundary + loadProfileIntervalMs);
}

/**
 * The time a poll the schedule started for the wall-clock slot `aimed` is stamped with. The schedule
 * runs on the timers (monotonic on a real bus) and the slot is on the wall clock: when the wall clock
 * is behind the timers (stepped back, or slewed apart since the slot was planned) the poll starts a
 * little before its slot by the wall clock, and is still that slot's reading, so it is stamped with
 * it when that is within the tolerance. Stamped with its own time instead (as `stampOf` does), a
 * wall clock only 100 ppm slow put every poll 6 ms before its slot and the meter had no interval.
 * Otherwise as `stampOf`.
 */
export function stampFor(wall: number, periodMs: number, aimed: number | undefined): number {
  return aimed !== undefined && aimed > wall && aimed - wall <= slotToleranceMs(periodMs) ? aimed : stampOf(wall, periodMs);
}

/** The time a poll that started at `wall` is stamped with: its slot when within the tolerance, else `wall` (whole milliseconds). */
export function stampOf(wall: number, periodMs: number): number {
  const { slot } = slotAt(wall, periodMs);
  return wall - slot <= slotToleranceMs(periodMs) ? slot : Math.floor(wall);
}
