/**
 * The member changes a host has not sent yet, netted into one `members` delta (#11). Sent one
 * by one, k joins cost every member k deltas and the host k acknowledgements from each: a
 * burst of N joins was O(N^2) small messages. Gathered here, a burst costs one delta per member.
 *
 * A receiver applies `left` before `joined` (member-map.ts), so a delta is: drop these ids,
 * then add (or replace) these members. Any sequence of joins and leaves nets to one such delta
 * with the same end list, in the same order, as applying the changes one at a time (property
 * test): a leave removes the id from `joined` and names it in `left` (harmless when the id
 * was not in the list the receivers hold: they skip it); a join is added to `joined` last.
 */
import type { Member } from '../protocol/messages.js';

export interface MemberDeltaBody {
  joined: Member[];
  left: string[];
}

export class MemberDelta {
  readonly #joined = new Map<string, Member>();
  readonly #left = new Set<string>();

  join(member: Member): void {
    this.#joined.set(member.peer, member);
  }

  leave(peer: string): void {
    this.#joined.delete(peer);
    this.#left.add(peer);
  }

  get empty(): boolean {
    return this.#joined.size === 0 && this.#left.size === 0;
  }

  /** The netted delta, and starts afresh. */
  take(): MemberDeltaBody {
    const body = { joined: [...this.#joined.values()], left: [...this.#left] };
    this.#joined.clear();
    this.#left.clear();
    return body;
  }
}
