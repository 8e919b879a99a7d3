/**
 * How a host tells its members who joined and who left (#11): in rounds, not one message per
 * change, and without making a joiner wait for a round to be welcomed.
 *
 * A joiner is welcomed at once, with the list of every change seen so far (welcome-list.ts),
 * but it is *known* only once every host-capable member acknowledged a member list that names
 * it (host-peers.ts: a next host that never heard of it would not wait for it after a
 * failover). Until then it may write nothing and its acknowledgements do not count (the
 * `known` message, protocol/messages.ts; host-role.ts, client-role.ts). So:
 *
 * - Changes are netted (member-delta.ts) and sent at the end of the event-loop turn: a burst
 *   that arrives together is one delta to each member and one acknowledgement from each.
 * - While a delta that named joiners is not yet acknowledged by every host-capable member (a
 *   round is open), later changes wait and go out together when it closes. The round trip
 *   grows with the mesh, and joiners no longer wait for it to be welcomed, so the joiners of
 *   one round grow with it: each member gets about one delta per round trip however fast
 *   peers join, and a join's share of the deltas does not grow with the mesh.
 * - A round that took a while is followed by a rest as long (up to `MAX_REST_MS`): the host
 *   spends at most about half its time on rounds, however fast peers join, and the joins it
 *   handles meanwhile all go in the next one. Without it a host kept busy by rounds answered
 *   each hello only after a whole round's acknowledgements (its queue is first come, first
 *   served), so joiners that each wait for their welcome came c per round again: O(N/c) each.
 * - A joiner welcomed with the list of all changes seen may still be sent the delta holding
 *   some of them: a receiver drops `left`, then adds `joined`, so applying a netted delta to
 *   any list between its start and its end gives its end list (member-delta.ts).
 *
 * A member that has not acknowledged a round within `ackTimeoutMs` is stalled: it is cut off
 * (it rejoins when it runs again), so one slow member delays joiners by that much at most.
 *
 * When no member but the host could host, nobody has to know of a joiner before it is known
 * (join-queue.ts: at once), and the clientOnly members' acknowledgements pace the rounds
 * instead, so a join's share of the deltas does not grow with the mesh there either. A late
 * one only closes its round at `ackTimeoutMs`: it is not cut off (`members()` is all it
 * would miss).
 */
import type { Member } from '../protocol/messages.js';
import { behind, type HostPeer } from './host-peers.js';
import { MemberDelta } from './member-delta.js';
import { RawJson, stringifyMessage } from '../transport/framing.js';
import { WelcomeList } from './welcome-list.js';

/** A round shorter than this is not followed by a rest (a small mesh, a quiet host). */
const MIN_REST_MS = 10;
const MAX_REST_MS = 1000;

export interface AnnouncerHooks {
  epoch: number;
  self: Member;
  ackTimeoutMs: number;
  /** The members deltas go to. */
  welcomed(): ReadonlySet<HostPeer>;
  /**
   * No member that paces rounds holds a list older than this (join-queue.ts, aware): the
   * host-capable members, or the clientOnly ones when no member could host.
   */
  aware(): number;
  /** Stopped or deposed: nothing may be sent. */
  halted(): boolean;
  /** A delta went out: the joiners it named become known once it is acknowledged. */
  sent(): void;
  /** These host-capable members did not acknowledge a round in time. */
  stalled(peers: HostPeer[]): void;
}

export class MemberAnnouncer {
  /** The number of the last list sent (see `ack` in protocol/messages.ts). */
  #seq = 0;
  /** Every change seen, sent or not: what a joiner is welcomed with. */
  readonly #live: WelcomeList;
  readonly #pending = new MemberDelta();
  /** Joiners in `pending`, in join order: they are numbered when their delta goes out. */
  #unnamed: HostPeer[] = [];
  /** The number of the last delta that named joiners (0: none). */
  #round = 0;
  /** Rounds up to this one timed out: closed, whoever has not acknowledged them. */
  #given = 0;
  #timer: NodeJS.Timeout | undefined;
  #scheduled: NodeJS.Immediate | undefined;
  /** When the open round's delta went out, and until when the next one waits (Date.now()). */
  #sentAt = 0;
  #restUntil = 0;
  #rested = 0;
  #restTimer: NodeJS.Timeout | undefined;

  constructor(private readonly hooks: AnnouncerHooks) {
    this.#live = new WelcomeList(hooks.self);
  }

  get seq(): number {
    return this.#seq;
  }

  /**
   * The members as JSON, every change seen included: a joiner welcomed with it holds at least
   * list `seq` (what its welcome says), and the next delta brings it to the one after.
   */
  welcomeList(): string {
    return this.#live.json();
  }

  /** A joiner said hello: it is named in the next delta, and not known before that is acknowledged. */
  joined(peer: HostPeer): void {
    peer.joinSeq = Number.POSITIVE_INFINITY;
    this.#pending.join(peer.member!);
    this.#live.join(peer.member!);
    this.#unnamed.push(peer);
    this.#schedule();
  }

  left(member: Member): void {
    this.#pending.leave(member.peer);
    this.#live.leave(member.peer);
    this.#schedule();
  }

  /** Acknowledgements came in or members left: the open round may have closed. */
  progress(): void {
    if (this.#open()) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#round > this.#rested) {
      this.#rested = this.#round;
      const now = Date.now();
      const took = now - this.#sentAt;
      if (took >= MIN_REST_MS) this.#restUntil = now + Math.min(took, MAX_REST_MS);
    }
    this.#schedule();
  }

  stop(): void {
    clearTimeout(this.#timer);
    clearTimeout(this.#restTimer);
    this.#restTimer = undefined;
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#timer = undefined;
    this.#scheduled = undefined;
  }

  #open(): boolean {
    return this.#round > this.#given && this.hooks.aware() < this.#round;
  }

  #schedule(): void {
    if (this.#scheduled || this.#restTimer || this.#pending.empty) return;
    const rest = this.#restUntil - Date.now();
    if (rest > 0) {
      this.#restTimer = setTimeout(() => {
        this.#restTimer = undefined;
        this.#flush();
      }, rest);
      return;
    }
    this.#scheduled = setImmediate(() => {
      this.#scheduled = undefined;
      this.#flush();
    });
  }

  /** Sends what changed as one delta, unless a round is open (then progress() sends it). */
  #flush(): void {
    if (this.#pending.empty || this.hooks.halted() || this.#open()) return;
    const change = this.#pending.take();
    const seq = ++this.#seq;
    // Encoded once for every member, not once per member.
    const message = new RawJson(stringifyMessage({ type: 'members', epoch: this.hooks.epoch, ...change, seq }));
    for (const peer of this.hooks.welcomed()) peer.conn.send(message);
    const named = this.#unnamed;
    this.#unnamed = [];
    // A joiner that left meanwhile is not in the delta; the join queue skips it.
    for (const peer of named) peer.joinSeq = seq;
    if (named.length > 0) {
      this.#round = seq;
      this.#sentAt = Date.now();
      clearTimeout(this.#timer);
      this.#timer = this.#open() ? setTimeout(() => this.#expire(seq), this.hooks.ackTimeoutMs) : undefined;
    }
    this.hooks.sent();
  }

  #expire(round: number): void {
    this.#timer = undefined;
    if (this.hooks.halted()) return;
    const late = behind(this.hooks.welcomed(), round);
    if (late.length > 0) this.hooks.stalled(late);
    // Late clientOnly members (when they pace rounds) are not cut off: they need not know
    // of anyone for a failover. The round closes without them.
    this.#given = round;
    this.progress();
  }
}
