/**
 * The bytes that a listener's not-yet-authenticated connections hold together, bounded: one
 * peer (or many) that connects and sends parts of frames without ever saying `hello` cannot
 * make the host hold more than this, however many connections it opens. Honest hellos are a
 * few hundred bytes and usually arrive in one read, so they hardly ever count here at all.
 */
export class UnauthenticatedBudget {
  #used = 0;

  constructor(readonly maxBytes: number) {}

  get used(): number {
    return this.#used;
  }

  /**
   * A connection now holds `now` bytes where it held `before`. False (and nothing counted)
   * when that would pass the bound: the caller cuts that connection off.
   */
  resize(before: number, now: number): boolean {
    const next = this.#used - before + now;
    if (now > before && next > this.maxBytes) {
      this.#used -= before;
      return false;
    }
    this.#used = next;
    return true;
  }

  /** A connection that held `bytes` is authenticated or gone. */
  release(bytes: number): void {
    this.#used -= bytes;
  }
}
