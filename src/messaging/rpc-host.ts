/**
 * The host's RPC router: which member serves which method, and the calls under way. A call
 * goes to one live handler (the `peer` named, or the next in turn); its result goes back to
 * the caller. A handler that leaves fails its calls at once (`ERR_HANDLER_GONE`); a result
 * is taken only from the member the call was sent to, so nobody can answer another's call.
 * A call that finds no handler while members are joining waits for their registrations
 * (call-hold.ts) before it is answered `ERR_NO_HANDLER`.
 */
import type { MessageOf } from '../protocol/messages.js';
import { CallHold } from './call-hold.js';
import type { MessagingMessage } from './link.js';

interface InFlight {
  caller: string;
  callerId: number;
  handler: string;
  name: string;
}

/** Calls under way through this host at once; more are refused (`ERR_LIMIT_EXCEEDED`). */
export const MAX_CALLS_IN_FLIGHT = 100_000;

export class RpcRouter {
  private readonly handlers = new Map<string, Set<string>>();
  private readonly inFlight = new Map<number, InFlight>();
  private nextId = 0;
  private turn = 0;
  private readonly hold = new CallHold(() => this.recheck());

  constructor(
    private readonly to: (peer: string, message: MessagingMessage) => boolean,
    private readonly connected: (peer: string) => boolean,
  ) {}

  announce(peer: string, names: readonly string[]): void {
    if (names.length === 0) this.handlers.delete(peer);
    else this.handlers.set(peer, new Set(names));
    if (this.hold.size > 0) this.recheck();
  }

  /** A member was welcomed: the methods it serves are on their way. */
  joining(peer: string): void {
    this.hold.joining(peer);
  }

  /** Everything the member sent on its welcome has arrived: its methods are known. */
  settled(peer: string): void {
    this.hold.settled(peer);
  }

  call(from: string, call: MessageOf<'call'>): void {
    if (this.inFlight.size + this.hold.size >= MAX_CALLS_IN_FLIGHT) {
      return this.fail(from, call.id, 'ERR_LIMIT_EXCEEDED', `more than ${MAX_CALLS_IN_FLIGHT} calls under way`);
    }
    const handler = this.pick(call.name, call.peer);
    if (handler !== undefined) return this.dispatch(from, call, handler);
    if (this.hold.mayCome(call)) return this.hold.hold(from, call);
    this.noHandler(from, call);
  }

  stop(): void {
    this.hold.stop();
  }

  /** Routes the held calls whose handler came, and answers those that can wait no more. */
  private recheck(): void {
    const still = [];
    for (const held of this.hold.take()) {
      const handler = this.pick(held.call.name, held.call.peer);
      if (handler !== undefined) this.dispatch(held.from, held.call, handler);
      else if (this.hold.waiting(held)) still.push(held);
      else this.noHandler(held.from, held.call);
    }
    this.hold.putBack(still);
  }

  private noHandler(from: string, call: MessageOf<'call'>): void {
    const which = call.peer === undefined ? '' : ` on peer '${call.peer}'`;
    this.fail(from, call.id, 'ERR_NO_HANDLER', `no process serves '${call.name}'${which}`);
  }

  private dispatch(from: string, call: MessageOf<'call'>, handler: string): void {
    const id = ++this.nextId;
    this.inFlight.set(id, { caller: from, callerId: call.id, handler, name: call.name });
    if (!this.to(handler, { type: 'call', id, name: call.name, args: call.args, from })) {
      this.inFlight.delete(id);
      this.fail(from, call.id, 'ERR_HANDLER_GONE', `the process serving '${call.name}' left`);
    }
  }

  result(from: string, result: MessageOf<'call-result'>): void {
    const call = this.inFlight.get(result.id);
    // Only the member the call went to may answer it.
    if (call === undefined || call.handler !== from) return;
    this.inFlight.delete(result.id);
    this.to(call.caller, { ...result, id: call.callerId });
  }

  left(peer: string): void {
    this.handlers.delete(peer);
    this.hold.drop(peer);
    for (const [id, call] of this.inFlight) {
      if (call.caller === peer) this.inFlight.delete(id);
      else if (call.handler === peer) {
        this.inFlight.delete(id);
        this.fail(call.caller, call.callerId, 'ERR_HANDLER_GONE', `the process serving '${call.name}' ('${peer}') left before it answered`);
      }
    }
    this.hold.settled(peer);
  }

  private pick(name: string, peer: string | undefined): string | undefined {
    if (peer !== undefined) return this.handlers.get(peer)?.has(name) && this.connected(peer) ? peer : undefined;
    const serving: string[] = [];
    for (const [id, names] of this.handlers) if (names.has(name) && this.connected(id)) serving.push(id);
    if (serving.length === 0) return undefined;
    return serving[this.turn++ % serving.length];
  }

  private fail(peer: string, id: number, code: string, message: string): void {
    this.to(peer, { type: 'call-result', id, ok: false, error: { code, message } });
  }
}
