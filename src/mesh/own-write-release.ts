/**
 * When a host's own writes are acknowledged. With members, once one of them says it holds
 * them: the price of surviving the host's death the instant after it answered. Alone, on the
 * next turn of the event loop, if our address still leads to us.
 */
import type { ReplicaCore } from './replica-core.js';

export interface OwnWriteHost {
  /** How many members receive our entries. */
  members(): number;
  /** Stopped, or found deposed (from the fence's cache). */
  halted(): boolean;
  /** Checks our address afresh: taken by another host. */
  deposedNow(): boolean;
}

export class OwnWriteRelease {
  /** The highest version some welcomed member said it holds, this epoch. */
  #replicated = 0;
  #scheduled = false;

  constructor(
    private readonly core: Pick<ReplicaCore, 'releaseOwn' | 'holdingOwn'>,
    private readonly host: OwnWriteHost,
  ) {}

  /** A known member holds every entry up to `version`. */
  held(version: number): void {
    if (version > this.#replicated) this.#replicated = version;
    this.core.releaseOwn(this.#replicated);
  }

  /** The members changed: release what one already holds, or what no one has to, alone. */
  check(): void {
    if (this.host.halted()) return;
    if (this.host.members() > 0) this.core.releaseOwn(this.#replicated);
    else this.releaseAlone();
  }

  /**
   * Alone, our own writes are acknowledged on the next turn of the event loop, not in a
   * microtask: a writer awaiting each patch in a loop would otherwise never let the loop
   * turn, and no client could even connect.
   */
  releaseAlone(): void {
    if (this.#scheduled || !this.core.holdingOwn) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      // Alone, only our address vouches for these writes: check it now, not from the cache.
      if (this.host.members() === 0 && !this.host.halted() && !this.host.deposedNow()) this.core.releaseOwn(Number.POSITIVE_INFINITY);
    });
  }
}
