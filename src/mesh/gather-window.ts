import type { Member } from '../protocol/messages.js';

export interface GatherOptions {
  /** Members of the previous epoch not yet back. */
  expected: Map<string, Member>;
  /**
   * Wait the whole window whoever comes: a host that never belonged to the mesh cannot know
   * who is out there. Knowing nobody is not knowing that nobody is out there: a process
   * restarted by a supervisor after the old host died must let surviving replicas hand it
   * the mesh's state before it orders anything on top of its own defaults.
   */
  waitFull: boolean;
  /** The window: how long to wait for members whose fate we cannot tell. */
  windowMs: number;
  /**
   * The longest wait for a member that is known to be alive but is not back yet, and for
   * history that was asked for and is still arriving. Past it the gather closes anyway.
   */
  longMs: number;
  /** Whether the process behind a member is alive: undefined when that cannot be told. */
  isAlive(member: Member): boolean | undefined;
  /** A member said it holds history beyond ours and it has not all arrived yet. */
  historyPending(): boolean;
  /** Called once, when the window closes. */
  onEnd(): void;
}

/** How often a gather past its window looks again at the members it still waits for. */
const RECHECK_MS = 20;

/**
 * The time in which a new host waits before it orders anything: for the previous members to
 * come back (each may hold ordered history the new host lacks, which it adopts first). It
 * never closes while history it asked for is still arriving, and past `windowMs` it still
 * waits for members whose processes are alive: closing on a live member that holds entries
 * acknowledged by the old host would lose them (it would come back to find the mesh moved on
 * without them). Members that died are not waited for; `longMs` bounds the whole wait.
 */
export class GatherWindow {
  private open = true;
  private timer: NodeJS.Timeout;
  private readonly started = Date.now();

  constructor(private readonly options: GatherOptions) {
    this.timer = setTimeout(() => this.onTimer(), options.windowMs);
  }

  get gathering(): boolean {
    return this.open;
  }

  /** A member said hello. */
  arrived(peer: string): void {
    this.options.expected.delete(peer);
  }

  /**
   * A member whose history we asked for left before it all arrived: wait for it again (it
   * may be alive, and come back with it), as for any previous member not yet back.
   */
  expectAgain(member: Member): void {
    if (this.open) this.options.expected.set(member.peer, member);
  }

  /** Closes the window early once everyone expected is back and no history is still coming. */
  check(): void {
    if (!this.open || this.options.historyPending()) return;
    const { expected, waitFull } = this.options;
    if (expected.size === 0 && !waitFull) return this.close();
    if (Date.now() - this.started >= this.options.windowMs && !this.waitingForLive()) this.close();
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    clearTimeout(this.timer);
    this.options.onEnd();
  }

  /** The host stops: close without ordering anything. */
  cancel(): void {
    this.open = false;
    clearTimeout(this.timer);
  }

  private onTimer(): void {
    if (!this.open) return;
    if (Date.now() - this.started >= this.options.longMs) return this.close();
    if (!this.options.historyPending() && !this.waitingForLive()) return this.close();
    this.timer = setTimeout(() => this.onTimer(), RECHECK_MS);
  }

  /** Forgets expected members that died; whether any left is alive. */
  private waitingForLive(): boolean {
    let live = false;
    for (const [peer, member] of this.options.expected) {
      const alive = this.options.isAlive(member);
      if (alive === false) this.options.expected.delete(peer);
      else if (alive === true) live = true;
    }
    return live;
  }
}
