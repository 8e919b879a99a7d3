import type { MemSync } from '../../src/index.js';
import { wallNow } from '../lib/clock.js';

interface Write {
  issued: number;
  /** When patch() settled, and whether it resolved (a timeout would reject it). */
  settled?: number;
  ok?: boolean;
}

/** Stop issuing while this many writes wait: a mesh with no host must not grow us without bound. */
const MAX_IN_FLIGHT = 10_000;

/**
 * Writes an $inc about every millisecond without waiting for the previous one, the way an
 * application keeps writing through a failover, and keeps when each was issued and
 * acknowledged. A write issued after a host is killed can only be acknowledged by the next
 * host, so "kill -> first acknowledgement of a write issued after the kill" is the outage
 * a writer sees.
 */
export class StreamWriter {
  private readonly writes: Write[] = [];
  private readonly watchers = new Set<() => void>();
  private inFlight = 0;
  private running = true;

  constructor(private readonly mem: MemSync) {
    this.tick();
  }

  stop(): void {
    this.running = false;
  }

  /** Resolves with the first write issued after `at` that was acknowledged, once it is. */
  firstAckAfter(at: number): Promise<{ issued: number; acked: number }> {
    return new Promise((resolve) => {
      const check = (): void => {
        let index = this.writes.findIndex((w) => w.issued > at);
        if (index < 0) return;
        for (; index < this.writes.length; index++) {
          const write = this.writes[index]!;
          if (write.settled === undefined) return;
          if (!write.ok) continue;
          this.watchers.delete(check);
          // Older writes are of no further use.
          this.writes.splice(0, index);
          resolve({ issued: write.issued, acked: write.settled });
          return;
        }
      };
      this.watchers.add(check);
      check();
    });
  }

  private tick(): void {
    if (!this.running) return;
    setTimeout(() => this.tick(), 1);
    if (this.inFlight >= MAX_IN_FLIGHT) return;
    const write: Write = { issued: wallNow() };
    this.writes.push(write);
    this.inFlight++;
    this.mem.patch({ $inc: { streamed: 1 } }).then(
      () => this.settle(write, true),
      () => this.settle(write, false),
    );
  }

  private settle(write: Write, ok: boolean): void {
    this.inFlight--;
    write.settled = wallNow();
    write.ok = ok;
    for (const watch of [...this.watchers]) watch();
  }
}
