// Ports for the two things pure code may not take from the world by itself: time and chance.
// Node adapters implement them; tests and simulations use the deterministic ones here.

/** Wall-clock time as milliseconds since the Unix epoch (UTC). */
export interface Clock {
  now(): number;
}

/** A source of uniform random numbers in [0, 1). */
export interface Random {
  next(): number;
}

/** A clock that moves only when told to: drives simulations and interval edges in tests. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(milliseconds: number): void {
    this.#now += milliseconds;
  }

  set(timestamp: number): void {
    this.#now = timestamp;
  }
}

/**
 * A seeded pseudo-random generator (SplitMix32 seeding xoshiro128**): the same seed gives the
 * same sequence on every machine, so a simulated meter fleet is reproducible.
 * Algorithms: D. Blackman and S. Vigna, "Scrambled linear pseudorandom number generators",
 * ACM TOMS 47(4), 2021 (xoshiro128**), and Steele, Lea, Flood, "Fast splittable PRNGs", OOPSLA 2014.
 */
export class SeededRandom implements Random {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const splitmix = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s0 = splitmix();
    this.#s1 = splitmix();
    this.#s2 = splitmix();
    this.#s3 = splitmix();
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.#s1 << 9) >>> 0;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    this.#s0 >>>= 0; this.#s1 >>>= 0; this.#s2 >>>= 0; this.#s3 >>>= 0;
    return result;
  }

  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** A standard normal deviate (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A uniform deviate in [low, high). */
  between(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** An independent generator derived from this one (for one meter of a fleet, say). */
  fork(): SeededRandom {
    return new SeededRandom(this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
