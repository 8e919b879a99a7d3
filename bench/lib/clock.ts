/**
 * Wall-clock milliseconds with sub-millisecond resolution. Every process on the machine
 * reads the same clock, so times taken in different workers can be subtracted (the
 * failover scenario needs that); `Date.now()` alone would round to whole milliseconds.
 */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after `ms`; only for pacing a writer, never to wait for a condition. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
