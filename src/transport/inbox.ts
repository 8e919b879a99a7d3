/**
 * Delivery of inbound messages and of the single close notice to a connection's handlers,
 * shared by every transport so they all behave alike:
 * - messages that arrive before `setHandlers` are buffered and delivered, in order, in a
 *   microtask after it (never inside `setHandlers`, so the caller can finish wiring first);
 * - `close` is called exactly once, after every message that is still to be delivered, and
 *   always from a microtask (never re-entrantly from inside `Connection.close`);
 * - a handler that throws cannot break the transport's state: the error is re-thrown from a
 *   fresh microtask, where it surfaces as an uncaught exception instead of vanishing.
 */
import type { MemSyncError } from '../errors.js';
import type { ConnectionHandlers } from './types.js';

/** Re-throws outside the transport's own call stack. */
export function reportHandlerError(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

export class Inbox {
  #handlers: ConnectionHandlers | undefined;
  #pending: unknown[] = [];
  /** The JSON text of each pending message, index for index. */
  #pendingTexts: Array<string | undefined> = [];
  #drainScheduled = false;
  #ended = false;
  #closeError: MemSyncError | undefined;
  #closeNotified = false;
  /** Set when undelivered messages must be dropped (local close); the drain loop checks it. */
  #discarded = false;
  /** Set by abandon(): the owner is gone, nothing is ever called again. */
  #abandoned = false;

  get hasHandlers(): boolean {
    return this.#handlers !== undefined;
  }

  setHandlers(handlers: ConnectionHandlers): void {
    const first = this.#handlers === undefined;
    this.#handlers = handlers;
    if (first) this.#scheduleDrain();
  }

  /** One inbound message (with its JSON text, when known); ignored once the inbox has ended. */
  deliver(message: unknown, text?: string): void {
    if (this.#ended) return;
    const handlers = this.#handlers;
    if (handlers && !this.#drainScheduled && this.#pending.length === 0) {
      callGuarded(handlers, message, text);
      return;
    }
    this.#pending.push(message);
    this.#pendingTexts.push(text);
  }

  /**
   * The messages of one read were handed to `deliver`: tell the handlers, when they have
   * already had every one of them (none buffered, nothing ended).
   */
  readDone(): void {
    const handlers = this.#handlers;
    if (!handlers?.read || this.#ended || this.#drainScheduled || this.#pending.length > 0) return;
    try {
      handlers.read();
    } catch (error) {
      reportHandlerError(error);
    }
  }

  /**
   * No message will arrive any more. `keepPending`: still deliver what was buffered (the peer
   * closed, what it sent before is valid); otherwise drop it (we closed, we want nothing more).
   */
  end(error: MemSyncError | undefined, keepPending: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#closeError = error;
    if (!keepPending) {
      this.#pending = [];
      this.#pendingTexts = [];
      this.#discarded = true;
    }
    this.#scheduleDrain();
  }

  /** The owning side is gone (a simulated crash): drop everything, notify nobody. */
  abandon(): void {
    this.#ended = true;
    this.#abandoned = true;
    this.#pending = [];
    this.#pendingTexts = [];
    this.#discarded = true;
  }

  #scheduleDrain(): void {
    if (!this.#handlers || this.#drainScheduled || this.#abandoned) return;
    if (this.#pending.length === 0 && !(this.#ended && !this.#closeNotified)) return;
    this.#drainScheduled = true;
    queueMicrotask(() => this.#drain());
  }

  #drain(): void {
    this.#drainScheduled = false;
    const handlers = this.#handlers;
    if (!handlers || this.#abandoned) return;
    while (this.#pending.length > 0 && !this.#discarded) {
      // Swap the array out so a long backlog is not shifted element by element.
      const batch = this.#pending;
      const texts = this.#pendingTexts;
      this.#pending = [];
      this.#pendingTexts = [];
      for (let i = 0; i < batch.length && !this.#discarded; i++) {
        callGuarded(handlers, batch[i], texts[i]);
      }
    }
    if (this.#ended && !this.#closeNotified && !this.#abandoned) {
      this.#closeNotified = true;
      try {
        handlers.close(this.#closeError);
      } catch (error) {
        reportHandlerError(error);
      }
    }
  }
}

function callGuarded(handlers: ConnectionHandlers, message: unknown, text: string | undefined): void {
  try {
    handlers.message(message, text);
  } catch (error) {
    reportHandlerError(error);
  }
}
