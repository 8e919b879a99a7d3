import type { Connection } from '../transport/types.js';

/**
 * The snapshot streams one member is sent, one at a time, and the entries that wait for them.
 *
 * A stream does not go out in one piece: its first part waits for the state to be sized, and
 * it yields between parts (snapshot-stream.ts). Sent straight to the connection, entries
 * ordered meanwhile overtook its first part, and reached a member still at the old state
 * (`version gap`); and a second snapshot (a gather adopting a longer history, a backplane
 * installing the global order) started while the first was under way, its parts mixed with
 * the first's. So while a stream is due or running, the member's entries are held here and
 * sent once the last stream's last part has gone; a snapshot asked for meanwhile starts after
 * the running one (from the state as it is then), and one not yet begun is dropped for it.
 */
export class SnapshotQueue {
  private running = false;
  private due = false;
  private held: unknown[] = [];

  /**
   * `stream`: sends one snapshot of the state as it is now; `superseded` says a newer one is
   * due (it then stops before its first part, never after). `failed`: a stream threw.
   */
  constructor(
    private readonly conn: Connection,
    private readonly stream: (superseded: () => boolean) => Promise<void>,
    private readonly failed: (error: unknown) => void,
  ) {}

  /** Whether entries for the member wait here rather than go out (see {@link send}). */
  get holding(): boolean {
    return this.running;
  }

  /** Holds a message of entries until the streams are done (only while {@link holding}). */
  send(message: unknown): void {
    this.held.push(message);
  }

  /** A snapshot of the state from now on is due to the member. */
  request(): void {
    this.due = true;
    if (!this.running) this.run().catch(this.failed);
  }

  private async run(): Promise<void> {
    // Set before the first await: entries ordered in this very turn are held too.
    this.running = true;
    try {
      while (this.due && !this.conn.closed) {
        this.due = false;
        await this.stream(() => this.due);
      }
    } finally {
      this.running = false;
      for (const message of this.held.splice(0)) this.conn.send(message);
    }
  }
}
