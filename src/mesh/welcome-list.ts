/**
 * The member list a host puts in every welcome: every change it has seen, sent or not (#11).
 * A welcome must carry the whole list (a member that becomes host waits for those it names,
 * history-claims.ts proves them by it), so encoding it afresh for each joiner made N joins
 * O(N^2) in JSON.stringify alone. Here the list's JSON is kept, and a join appends its member's
 * JSON to it; only a leave costs a new encoding, and only at the next welcome.
 */
import type { Member } from '../protocol/messages.js';

export class WelcomeList {
  readonly #members = new Map<string, Member>();
  /** The members' JSON, comma-separated, in join order (undefined: re-encode when asked). */
  #json: string | undefined = '';

  constructor(self: Member) {
    this.join(self);
  }

  join(member: Member): void {
    // A replaced member keeps its place (as in member-map.ts): its text is not at the end.
    const replaced = this.#members.has(member.peer);
    this.#members.set(member.peer, member);
    if (replaced || this.#json === undefined) this.#json = undefined;
    else this.#json += (this.#json === '' ? '' : ',') + JSON.stringify(member);
  }

  leave(peer: string): void {
    if (this.#members.delete(peer)) this.#json = undefined;
  }

  get size(): number {
    return this.#members.size;
  }

  /** The list as a JSON array. */
  json(): string {
    this.#json ??= [...this.#members.values()].map((m) => JSON.stringify(m)).join(',');
    return `[${this.#json}]`;
  }
}
