/**
 * A member's watch on its host: silence for `hostTimeout` while we ourselves kept running
 * means the host stopped (SIGSTOP, a debugger, a long synchronous task) and must be deposed.
 *
 * Only our own running time counts. When our event loop was held up (our own pause, a GC, a
 * loaded machine), the host's heartbeats may be sitting unread in our socket: the silence is
 * ours, and the host gets a fresh `hostTimeout` from the moment we run again.
 */
import { beatInterval } from './host-fence.js';

export class HostWatch {
  private lastHeard: number;
  private lastTick: number;
  private readonly timer: NodeJS.Timeout;
  private readonly interval: number;

  /** `now`: a monotonic clock in ms (performance.now; a test's own). */
  constructor(
    private readonly hostTimeout: number,
    private readonly onSilent: (silentMs: number) => void,
    private readonly now: () => number = () => performance.now(),
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
    clearInterval(this.timer);
  }

  private check(): void {
    const now = this.now();
    if (now - this.lastTick > this.interval + this.hostTimeout / 2) this.lastHeard = now;
    this.lastTick = now;
    const silent = now - this.lastHeard;
    if (silent < this.hostTimeout) return;
    this.stop();
    this.onSilent(silent);
  }
}
