/**
 * The mesh's member list as one replica holds it, changed by deltas (#11: a join must cost
 * the same whatever the mesh's size). The list is built only when asked for (status, an
 * election), never per change: rebuilding it, and diffing it for `peer` events, on every
 * join made N joins O(N^2) at every replica, the host included.
 */
import type { Member } from '../protocol/messages.js';

/** A change of the list: the whole of it (a welcome, a new term), or who joined and who left. */
export interface MembersChange {
  all?: readonly Member[];
  joined?: readonly Member[];
  left?: readonly string[];
}

/** What a change did: the members that were not there before, and those that are gone. */
export interface MembersDiff {
  joined: Member[];
  left: Member[];
}

export class MemberMap {
  readonly #map = new Map<string, Member>();
  #list: Member[] | undefined = [];

  /** Applies `change`; the whole list costs a pass over it, a delta only its own size. */
  apply(change: MembersChange): MembersDiff {
    const diff: MembersDiff = { joined: [], left: [] };
    if (change.all !== undefined) {
      const next = new Map(change.all.map((m) => [m.peer, m]));
      for (const [peer, m] of this.#map) if (!next.has(peer)) diff.left.push(m);
      for (const [peer, m] of next) if (!this.#map.has(peer)) diff.joined.push(m);
      this.#map.clear();
      for (const [peer, m] of next) this.#map.set(peer, m);
    }
    for (const peer of change.left ?? []) {
      const gone = this.#map.get(peer);
      if (gone === undefined) continue;
      this.#map.delete(peer);
      diff.left.push(gone);
    }
    let replaced = false;
    for (const m of change.joined ?? []) {
      if (!this.#map.has(m.peer)) diff.joined.push(m);
      else replaced = true;
      this.#map.set(m.peer, m);
    }
    if (replaced || diff.joined.length > 0 || diff.left.length > 0 || change.all !== undefined) this.#list = undefined;
    return diff;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The list, in join order; the same array until the next change (callers must not edit it). */
  get list(): Member[] {
    this.#list ??= [...this.#map.values()];
    return this.#list;
  }
}
