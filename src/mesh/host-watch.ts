/**
 * A member's watch on its host: silence for `hostTimeout` while we ourselves kept running
 * means the host stopped (SIGSTOP, a debugger, a long synchronous task) and must be deposed.
 *
 * Only our own running time counts. When our event loop was held up (our own pause, a GC, a
 * loaded machine), the host's heartbeats may be sitting unread in our socket: the silence is
 * ours, and the host gets a fresh `hostTimeout` from the moment we run again.
 *
 * Nor is a silence judged from the timer alone: timers run before the loop reads its sockets,
 * so a member whose loop was merely slow (a long task, a starved core) could find its host
 * "silent" with the host's heartbeats sitting unread. The verdict waits for one read of the
 * sockets (the next check phase, after poll) and stands only if nothing came in it.
 */
import { beatInterval } from './host-fence.js';

export class HostWatch {
  private lastHeard: number;
  private lastTick: number;
  private readonly timer: NodeJS.Timeout;
  private readonly interval: number;
  private confirming = false;
  private stopped = false;

  /** `now`: a monotonic clock in ms (performance.now; a test's own). */
  constructor(
    private readonly hostTimeout: number,
    private readonly onSilent: (silentMs: number) => void,
    private readonly now: () => number = () => performance.now(),
    /** Runs `fn` once the loop has read its sockets: setImmediate (a test's own). */
    private readonly afterRead: (fn: () => void) => void = (fn) => setImmediate(fn),
  ) {
    this.lastHeard = now();
    this.lastTick = this.lastHeard;
    this.interval = beatInterval(hostTimeout);
    this.timer = setInterval(() => this.check(), this.interval);
    this.timer.unref();
  }

  /** Anything arrived from the host. */
  heard(): void {
    this.lastHeard = this.now();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private check(): void {
    const now = this.now();
    if (now - this.lastTick > this.interval + this.hostTimeout / 2) this.lastHeard = now;
    this.lastTick = now;
    if (now - this.lastHeard < this.hostTimeout || this.confirming) return;
    this.confirming = true;
    this.afterRead(() => {
      this.confirming = false;
      const silent = this.now() - this.lastHeard;
      if (this.stopped || silent < this.hostTimeout) return;
      this.stop();
      this.onSilent(silent);
    });
  }
}
