/**
 * Hybrid logical clock. A timestamp is one safe integer, `ms * 1000 + counter`: the wall
 * clock in milliseconds with three decimal digits of logical counter below it. When more
 * than 1000 stamps are taken in one millisecond the counter carries into the millisecond
 * part, which HLC allows: stamps stay close to wall time but never repeat or go back.
 *
 * Milliseconds since 1970 times 1000 stay below `Number.MAX_SAFE_INTEGER` until about 2255.
 */

/** Logical ticks per millisecond. */
export const TICKS_PER_MS = 1000;

export class HybridClock {
  readonly #now: () => number;
  #last = 0;
  #wallHigh = 0;

  /**
   * @param now - Wall clock in milliseconds. Injected so tests can step it back or stall it.
   * @default Date.now
   */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A new timestamp, greater than every one this clock returned or observed before. */
  next(): number {
    const wall = this.readWall();
    // A wall clock that steps back (NTP) or returns garbage must not break monotonicity.
    const candidate = Number.isSafeInteger(wall) ? Math.max(wall, this.#last + 1) : this.#last + 1;
    this.#last = candidate;
    return candidate;
  }

  /** Takes a timestamp seen on a remote patch into account: the next local stamp will exceed it. */
  observe(remote: number): void {
    if (Number.isSafeInteger(remote) && remote > this.#last) this.#last = remote;
  }

  /**
   * Reads the wall clock (in clock units) and remembers the highest reading: real time as far
   * as this process can vouch for it, which a clock stepped back does not pull back.
   */
  readWall(): number {
    const wall = Math.floor(this.#now()) * TICKS_PER_MS;
    if (Number.isSafeInteger(wall) && wall > this.#wallHigh) this.#wallHigh = wall;
    return wall;
  }

  /** The highest wall-clock reading this clock has made (see readWall). */
  get wallHigh(): number {
    return this.#wallHigh;
  }

  /** The newest timestamp issued or observed (0 before any). */
  get last(): number {
    return this.#last;
  }
}

/**
 * Orders two `(ts, peer)` stamps: by timestamp, then by peer id (plain string order), so
 * two writers with the same timestamp still have one winner that every replica agrees on.
 * @returns a negative number when a is older, positive when a is newer, 0 when equal.
 */
export function compareStamps(aTs: number, aPeer: string, bTs: number, bPeer: string): number {
  if (aTs !== bTs) return aTs < bTs ? -1 : 1;
  if (aPeer === bPeer) return 0;
  return aPeer < bPeer ? -1 : 1;
}

/** The wall-clock milliseconds part of a timestamp. */
export function tsToMillis(ts: number): number {
  return Math.floor(ts / TICKS_PER_MS);
}
