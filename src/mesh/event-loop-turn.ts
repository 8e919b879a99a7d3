/**
 * Once per turn of the event loop after the first: the turn's first batch leaves at once, as
 * a lone write should, and whatever comes later in the same turn waits for its end (the
 * check phase) and goes together. Why: every frame costs its receiver a wake-up, a read and a
 * decode whatever its size, and a loop that awaits between writes ends a tick at each await.
 * Used by a client's submits (client-role.ts) and a host's entries (entry-broadcast.ts).
 */
export class EventLoopTurn {
  #open = false;

  /** `flush` sends what waits; `waiting` says whether anything does. */
  constructor(
    private readonly flush: () => void,
    private readonly waiting: () => boolean,
  ) {}

  /** A batch already left in this turn: later ones wait for its end. */
  get open(): boolean {
    return this.#open;
  }

  /** Sends now, and holds what comes later in this turn for its end. */
  first(): void {
    if (!this.#open) {
      this.#open = true;
      setImmediate(this.#end);
    }
    this.flush();
  }

  readonly #end = (): void => {
    this.#open = false;
    if (this.waiting()) this.flush();
  };
}
