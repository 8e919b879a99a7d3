/**
 * The few milliseconds in which a new host waits before it orders anything: for the previous
 * members to come back (each may hold ordered history the new host lacks, which it adopts
 * first) — and no longer than `gatherMs`.
 */
export class GatherWindow {
  private open = true;
  private readonly timer: NodeJS.Timeout;

  /**
   * @param expected members of the previous epoch not yet back
   * @param waitFull wait the whole window whoever comes: a host that never belonged to the
   *   mesh cannot know who is out there. Knowing nobody is not knowing that nobody is out
   *   there: a process restarted by a supervisor after the old host died must let surviving
   *   replicas hand it the mesh's state before it orders anything on top of its own defaults.
   * @param onEnd called once, when the window closes
   */
  constructor(
    private readonly expected: Set<string>,
    private readonly waitFull: boolean,
    windowMs: number,
    private readonly onEnd: () => void,
  ) {
    this.timer = setTimeout(() => this.close(), windowMs);
  }

  get gathering(): boolean {
    return this.open;
  }

  /** A member said hello. */
  arrived(peer: string): void {
    this.expected.delete(peer);
  }

  /** Closes the window early once everyone expected is back and no history is still coming. */
  check(historyPending: boolean): void {
    if (!this.open || this.waitFull || this.expected.size > 0 || historyPending) return;
    this.close();
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    clearTimeout(this.timer);
    this.onEnd();
  }

  /** The host stops: close without ordering anything. */
  cancel(): void {
    this.open = false;
    clearTimeout(this.timer);
  }
}
