/**
 * A client's report of its pending patches (submitted, not yet ordered back to it) to the
 * host, which sums them for status() (#17). Sent only when the count stays changed for a
 * short while: a patch ordered within that window costs nothing, so under load a client
 * sends a few small messages a second, not one per patch.
 */
export const PENDING_REPORT_MS = 50;

export class PendingReport {
  private sent = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly count: () => number,
    private readonly send: (count: number) => void,
    private readonly delayMs = PENDING_REPORT_MS,
  ) {}

  /** The count may have changed: report it once the window has passed, if it differs. */
  changed(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const count = this.count();
      if (count === this.sent) return;
      this.sent = count;
      this.send(count);
    }, this.delayMs);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
