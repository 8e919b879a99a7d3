/**
 * The joiners a host has welcomed but not yet told they are known, and what its host-capable
 * members know of the member list: a joiner is known once every host-capable welcomed member
 * acknowledged a list that names it (host-peers.ts, notYetAware). Asking that of every member
 * on every ack made a join cost O(N) per ack, O(N^2) per join (#11); here it is a count of
 * members per list number and the lowest number held, which only ever rises (ListHolders;
 * the host also keeps one for its clientOnly members, to pace rounds when no member could
 * host, member-announcer.ts).
 */
import type { HostPeer } from './host-peers.js';

/**
 * How many members hold each member-list number, and the lowest number held: what every one
 * of them knows, in O(1) amortized per acknowledgement (the lowest only ever rises).
 */
export class ListHolders {
  /** Members per member-list number they are known to hold. */
  readonly #counts = new Map<number, number>();
  #tracked = 0;
  /** No tracked member holds a list below this (it only rises: see aware()). */
  #floor = 0;

  /** How many members are tracked. */
  get size(): number {
    return this.#tracked;
  }

  /** A member was welcomed holding list `seq`. */
  track(seq: number): void {
    this.#counts.set(seq, (this.#counts.get(seq) ?? 0) + 1);
    this.#tracked++;
    if (seq < this.#floor) this.#floor = seq;
  }

  /** A tracked member now holds a newer list. */
  moved(from: number, to: number): void {
    if (from === to) return;
    this.untrack(from);
    this.track(to);
  }

  /** A tracked member left. */
  untrack(seq: number): void {
    const left = (this.#counts.get(seq) ?? 0) - 1;
    if (left > 0) this.#counts.set(seq, left);
    else this.#counts.delete(seq);
    this.#tracked--;
  }

  /**
   * The newest list every tracked member holds (infinite when there is none). Members only
   * move up and new ones start at the newest list, so the walk up is paid once per number.
   */
  aware(): number {
    if (this.#tracked === 0) return Number.POSITIVE_INFINITY;
    while (!this.#counts.has(this.#floor)) this.#floor++;
    return this.#floor;
  }
}

export class JoinQueue {
  /** What the host-capable welcomed members hold. */
  readonly #holders = new ListHolders();
  readonly #waiting: HostPeer[] = [];
  #head = 0;

  /** A host-capable member was welcomed holding list `seq`. */
  track(seq: number): void {
    this.#holders.track(seq);
  }

  /** A tracked member now holds a newer list. */
  moved(from: number, to: number): void {
    this.#holders.moved(from, to);
  }

  /** A tracked member left. */
  untrack(seq: number): void {
    this.#holders.untrack(seq);
  }

  /** Whether some host-capable member is welcomed (else nobody but the host could host). */
  get tracking(): boolean {
    return this.#holders.size > 0;
  }

  /** The newest list every host-capable welcomed member holds (infinite when there is none). */
  aware(): number {
    return this.#holders.aware();
  }

  /** A joiner, named first by list `joiner.joinSeq` (numbers rise in the order they join). */
  push(joiner: HostPeer): void {
    this.#waiting.push(joiner);
  }

  /**
   * The joiners every tracked member now knows of, in join order; `gone` ones are skipped.
   * Only joiners named by a list numbered `sent` or below count (a joiner not yet named in a
   * list that went out has joinSeq Infinity, member-announcer.ts).
   */
  ready(gone: (joiner: HostPeer) => boolean, sent = Number.POSITIVE_INFINITY): HostPeer[] {
    // With no host-capable member welcomed, nobody has to know of a joiner first.
    if (!this.tracking) sent = Number.POSITIVE_INFINITY;
    const out: HostPeer[] = [];
    const aware = Math.min(this.aware(), sent);
    while (this.#head < this.#waiting.length) {
      const joiner = this.#waiting[this.#head]!;
      if (!gone(joiner)) {
        if (aware < joiner.joinSeq) break;
        out.push(joiner);
      }
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting.splice(0, this.#head);
      this.#head = 0;
    }
    return out;
  }

  /** Whether some joiner may still be waiting (a stale, gone one counts until ready() skips it). */
  get waiting(): boolean {
    return this.#head < this.#waiting.length;
  }
}
