/**
 * This process's side of RPC: the methods it serves (`handle`, `options.rpc`) and the calls
 * it makes (`call`). Calls go through the host, which picks a live handler. A call sent to a
 * host that is then lost rejects with `ERR_OUTCOME_UNKNOWN`: it may have run, and it is never
 * sent again (a call need not be idempotent). A call made while there is no host waits for
 * the next one, within its timeout.
 */
import { AbortError, MemSyncError, type MemSyncErrorCode, RemoteError, TimeoutError } from '../errors.js';
import type { DocumentLimits } from '../document/index.js';
import type { JsonValue } from '../types.js';
import type { MessagingMessage } from './link.js';
import { checkName, checkPayload, copyPayload } from './payload.js';

/** What a handler learns besides the arguments. */
export interface CallMeta {
  /** The peer id of the calling process (stamped by the host). */
  from: string;
}

/**
 * A method as `options.rpc` and `handle()` take it. (Declared as a method, so a handler
 * written for narrower arguments is accepted.)
 */
export type RpcHandler = {
  handler(args: JsonValue, meta: CallMeta): unknown;
}['handler'];

/** Method names to their signatures, like the document's `T` (e.g. `{ resize(args: { w: number }): { ok: boolean } }`). */
export type RpcMap = Record<string, (args: never, meta: CallMeta) => unknown>;

/** Options of {@link MemSync.call}. */
export interface CallOptions {
  /** Longest wait for the result, in ms; then `ERR_TIMEOUT` (the handler may still run). @default options.patchTimeout */
  timeout?: number;
  /** Stop waiting: `ERR_ABORTED` (the handler may still run). */
  signal?: AbortSignal;
  /** The peer id of the process that must serve it; `ERR_NO_HANDLER` if it does not. */
  peer?: string;
}

/** Codes a host or handler may send back; anything else is reported as `ERR_PROTOCOL`. */
const WIRE_CODES = new Set<MemSyncErrorCode>(['ERR_NO_HANDLER', 'ERR_HANDLER_GONE', 'ERR_LIMIT_EXCEEDED', 'ERR_REMOTE']);

interface Pending {
  message: Extract<MessagingMessage, { type: 'call' }>;
  sent: boolean;
  resolve(value: unknown): void;
  reject(error: MemSyncError): void;
  cleanup(): void;
}

export class RpcClient {
  private readonly handlers = new Map<string, RpcHandler>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  /** Bumped on every new way to the host: a result computed for an older one is not sent. */
  private generation = 0;

  constructor(
    private readonly limits: Partial<DocumentLimits>,
    private readonly up: (message: MessagingMessage) => boolean,
  ) {}

  handle(name: string, handler: RpcHandler): () => void {
    checkName(name, 'a method name');
    if (typeof handler !== 'function') throw new MemSyncError('ERR_INVALID_ARGUMENT', 'a handler must be a function');
    if (this.handlers.has(name)) throw new MemSyncError('ERR_INVALID_ARGUMENT', `'${name}' already has a handler in this process`);
    this.handlers.set(name, handler);
    this.announce();
    return () => {
      if (this.handlers.get(name) !== handler) return;
      this.handlers.delete(name);
      this.announce();
    };
  }

  call(name: string, args: unknown, options: CallOptions, timeoutMs: number): Promise<unknown> {
    try {
      checkName(name, 'a method name');
      if (options.peer !== undefined) checkName(options.peer, 'peer');
      if (options.signal?.aborted) throw new AbortError('ERR_ABORTED', 'aborted before calling');
      const id = ++this.nextId;
      const message: Pending['message'] = { type: 'call', id, name, args: copyPayload(args, this.limits) };
      if (options.peer !== undefined) message.peer = options.peer;
      return new Promise((resolve, reject) => {
        const end = (error: MemSyncError): void => {
          if (!this.pending.delete(id)) return;
          entry.cleanup();
          reject(error);
        };
        const timer = setTimeout(() => end(new TimeoutError(`call '${name}' got no result within ${timeoutMs} ms`)), timeoutMs);
        const onAbort = (): void => end(new AbortError('ERR_ABORTED', `call '${name}' aborted`));
        options.signal?.addEventListener('abort', onAbort, { once: true });
        const entry: Pending = {
          message,
          sent: false,
          resolve,
          reject,
          cleanup: () => {
            clearTimeout(timer);
            options.signal?.removeEventListener('abort', onAbort);
          },
        };
        this.pending.set(id, entry);
        entry.sent = this.up(message);
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The methods this process serves. */
  names(): string[] {
    return [...this.handlers.keys()];
  }

  /** A new way to the host: announce our methods, send the calls that waited. */
  resend(): void {
    this.generation++;
    // A new host knows no handlers: an empty list would tell it nothing.
    if (this.handlers.size > 0) this.announce();
    for (const entry of this.pending.values()) if (!entry.sent) entry.sent = this.up(entry.message);
  }

  /** The host is gone: calls it had may or may not have run. */
  lost(): void {
    this.generation++;
    for (const [id, entry] of this.pending) {
      if (!entry.sent) continue;
      this.pending.delete(id);
      entry.cleanup();
      entry.reject(
        new MemSyncError('ERR_OUTCOME_UNKNOWN', `the host was lost during call '${entry.message.name}': it may or may not have run`),
      );
    }
  }

  stop(): void {
    for (const entry of this.pending.values()) {
      entry.cleanup();
      entry.reject(new MemSyncError('ERR_STOPPED', `stopped during call '${entry.message.name}'`));
    }
    this.pending.clear();
  }

  /** A call the host routed to us. */
  async served(call: Extract<MessagingMessage, { type: 'call' }>): Promise<void> {
    const generation = this.generation;
    const reply = (result: Omit<Extract<MessagingMessage, { type: 'call-result' }>, 'type' | 'id'>): void => {
      if (generation === this.generation) this.up({ type: 'call-result', id: call.id, ...result });
    };
    const handler = this.handlers.get(call.name);
    if (handler === undefined) {
      return reply({ ok: false, error: { code: 'ERR_NO_HANDLER', message: `'${call.name}' is not served here any more` } });
    }
    try {
      checkPayload(call.args, this.limits);
      const value = await handler((call.args ?? null) as JsonValue, { from: call.from ?? '?' });
      reply({ ok: true, value: copyPayload(value, this.limits) });
    } catch (error) {
      const raw = (error as { code?: unknown } | null)?.code;
      const remoteCode = typeof raw === 'string' ? raw.slice(0, 128) : undefined;
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 4096);
      reply({ ok: false, error: { code: 'ERR_REMOTE', message, ...(remoteCode === undefined ? {} : { remoteCode }) } });
    }
  }

  /** A result the host sent back. */
  result(message: Extract<MessagingMessage, { type: 'call-result' }>): void {
    const entry = this.pending.get(message.id);
    if (!entry) return; // timed out or aborted meanwhile
    this.pending.delete(message.id);
    entry.cleanup();
    if (message.ok) {
      try {
        checkPayload(message.value, this.limits);
      } catch (error) {
        return entry.reject(error as MemSyncError);
      }
      return entry.resolve(message.value ?? null);
    }
    const error = message.error ?? { code: 'ERR_PROTOCOL', message: 'a failed call without an error' };
    if (error.code === 'ERR_REMOTE') return entry.reject(new RemoteError(error.message, error.remoteCode));
    const code = WIRE_CODES.has(error.code as MemSyncErrorCode) ? (error.code as MemSyncErrorCode) : 'ERR_PROTOCOL';
    entry.reject(new MemSyncError(code, error.message));
  }

  private announce(): void {
    this.up({ type: 'handlers', names: [...this.handlers.keys()] });
  }
}
