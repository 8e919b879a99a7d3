/**
 * What keeps a host that stopped running from acting as host when it runs again.
 *
 * Members that hear nothing from their host for `hostTimeout` elect another, which takes the
 * address over (the frozen host's socket file is replaced: transport `depose`). When the old
 * host wakes, its first callbacks may be anything — a queued ack, a timer, the user's next
 * patch — so every entry point of HostRole asks `deposed()` before it orders, acknowledges or
 * broadcasts. The answer comes from the address itself (does it still lead to our socket?),
 * asked at most every `cacheMs`: a deposition needs `hostTimeout` of silence, and a host that
 * checked within the last quarter of that and has run since cannot have been deposed in between.
 */
export class HostFence {
  private verifiedAt: number;
  private fenced = false;
  private readonly cacheMs: number;

  /** `now`: a monotonic clock in ms (performance.now; a test's own). */
  constructor(
    hostTimeout: number,
    private readonly owns: () => boolean | undefined,
    private readonly onDeposed: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.cacheMs = Math.min(100, hostTimeout / 4);
    this.verifiedAt = now();
  }

  /** What the last check found, without checking again. */
  get wasDeposed(): boolean {
    return this.fenced;
  }

  /**
   * True once our address leads elsewhere; the first time, `onDeposed` runs first. `fresh`:
   * ask the address now, whatever the cache says — for acknowledging writes no other replica
   * holds, where nothing but our own address vouches for them.
   */
  deposed(fresh = false): boolean {
    if (this.fenced) return true;
    const now = this.now();
    if (!fresh && now - this.verifiedAt < this.cacheMs) return false;
    this.verifiedAt = now;
    if (this.owns() !== false) return false;
    this.fenced = true;
    this.onDeposed();
    return true;
  }
}

/** A host's heartbeat period: a quarter of the silence that deposes it. */
export function beatInterval(hostTimeout: number): number {
  return Math.max(10, Math.floor(hostTimeout / 4));
}
