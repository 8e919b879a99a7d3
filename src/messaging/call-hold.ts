/**
 * Calls that wait for a handler still on its way (#11 regression). A member registers its
 * methods when it is welcomed, not when it joins: after a failover every server rejoins the
 * new host, and a call made meanwhile found no handler and failed (`ERR_NO_HANDLER`) although
 * its server was back a round trip later. So a call that finds no handler while members are
 * joining waits for them: until one serves it, or every member that was joining when it came
 * has *settled* (acknowledged a member list naming it: everything it sent on its welcome, its
 * registrations included, has arrived before that), or `HOLD_LIMIT_MS` passed.
 *
 * Members settle in about a round trip; a host-capable one that does not is cut off within
 * the announcer's ack timeout (member-announcer.ts); the limit bounds the clientOnly ones.
 */
import type { MessageOf } from '../protocol/messages.js';

/** Longest a call waits for joining members to register; then `ERR_NO_HANDLER`. */
export const HOLD_LIMIT_MS = 5000;

export interface HeldCall {
  from: string;
  call: MessageOf<'call'>;
  /** It waits for the members that joined up to this number (see CallHold.joined). */
  upTo: number;
  until: number;
}

export class CallHold {
  /** Members whose registrations may still be on their way, in join order, with their number. */
  readonly #settling = new Map<string, number>();
  #joined = 0;
  #held: HeldCall[] = [];
  #timer: NodeJS.Timeout | undefined;

  /** `recheck` is asked again to route or fail the held calls whenever they may be decided. */
  constructor(private readonly recheck: () => void) {}

  get size(): number {
    return this.#held.length;
  }

  /** A member was welcomed (or the host itself started): its methods may be on their way. */
  joining(peer: string): void {
    this.#settling.delete(peer);
    this.#settling.set(peer, ++this.#joined);
  }

  /** Everything it sent on its welcome has arrived (or it left). */
  settled(peer: string): void {
    if (this.#settling.delete(peer) && this.#held.length > 0) this.recheck();
  }

  /** Whether a call finding no handler now should wait. */
  mayCome(call: MessageOf<'call'>): boolean {
    return call.peer === undefined ? this.#settling.size > 0 : this.#settling.has(call.peer);
  }

  hold(from: string, call: MessageOf<'call'>): void {
    this.#held.push({ from, call, upTo: this.#joined, until: Date.now() + HOLD_LIMIT_MS });
    this.#timer ??= setTimeout(() => this.#expired(), HOLD_LIMIT_MS);
  }

  /** Whether `held` may still find its handler. */
  waiting(held: HeldCall): boolean {
    if (Date.now() >= held.until) return false;
    if (held.call.peer !== undefined) return this.#settling.has(held.call.peer);
    // The earliest member still settling is the first in join order.
    for (const number of this.#settling.values()) return number <= held.upTo;
    return false;
  }

  /** Takes the held calls out (the caller puts back those still waiting, in order). */
  take(): HeldCall[] {
    const out = this.#held;
    this.#held = [];
    return out;
  }

  putBack(held: HeldCall[]): void {
    this.#held = held.concat(this.#held);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const first = this.#held[0];
    if (first !== undefined) this.#timer = setTimeout(() => this.#expired(), Math.max(0, first.until - Date.now()));
  }

  /** The caller left: its calls are dropped. */
  drop(caller: string): void {
    this.#held = this.#held.filter((held) => held.from !== caller);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#held = [];
    this.#settling.clear();
  }

  #expired(): void {
    this.#timer = undefined;
    this.recheck();
  }
}
