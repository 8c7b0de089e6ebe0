// The wall clock, for stores run by the CLI; tests pass a ManualClock.
import type { Clock } from '@phasewire/core';

export const systemClock: Clock = { now: () => Date.now() };
