/**
 * `mem.events`: ephemeral messages to every other process of the mesh. The host relays each
 * one to every member connected at that moment, in one order for all: a process that joins
 * later never receives older ones (events are not part of the state, nor of any history).
 * An event carries the version its host had ordered when it relayed it; a receiver delivers
 * it once its own replica has reached that version, so a listener sees at least the writes
 * ordered before the event (a patch then an event from one process arrive in that order).
 */
import { EventEmitter } from 'eventemitter3';
import { MemSyncError } from '../errors.js';
import type { DocumentLimits } from '../document/index.js';
import type { JsonValue } from '../types.js';
import type { MessagingMessage } from './link.js';
import { checkName, checkPayload, copyPayload } from './payload.js';

/** Names to payload types, like the document's `T` (e.g. `{ 'job-done': { id: number } }`). */
export type EventMap = Record<string, unknown>;

/** What a listener learns besides the payload. */
export interface EventMeta {
  /** The peer id of the process that emitted it (stamped by the host, not claimed). */
  from: string;
  /** The host's version when it relayed the event: this replica has applied at least that much. */
  version?: number;
}

/** A listener of one event name. */
export type EventListener<P> = (payload: P, meta: EventMeta) => void;

/** Events emitted while no host is reachable wait, up to this many, for the next one. */
export const MAX_QUEUED_EVENTS = 10_000;

/** The `mem.events` object. */
export interface MemSyncEventBus<E extends EventMap = EventMap> {
  /** Sends `payload` (JSON, checked like a patch value) to every other process of the mesh. */
  emit<K extends keyof E & string>(name: K, payload: E[K]): void;
  /** Calls `listener` for each event `name` from another process; returns the function that stops it. */
  on<K extends keyof E & string>(name: K, listener: EventListener<E[K]>): () => void;
  /** Stops a listener given to `on`. */
  off<K extends keyof E & string>(name: K, listener: EventListener<E[K]>): void;
}

export class EventBus<E extends EventMap = EventMap> implements MemSyncEventBus<E> {
  private readonly emitter = new EventEmitter();
  private queued: MessagingMessage[] = [];
  private deferred: Array<{ name: string; payload: unknown; meta: EventMeta }> = [];

  constructor(
    private readonly limits: Partial<DocumentLimits>,
    private readonly up: (message: MessagingMessage) => boolean,
    private readonly version: () => number,
    private readonly report: (error: MemSyncError) => void,
    private readonly active: () => boolean,
  ) {}

  emit<K extends keyof E & string>(name: K, payload: E[K]): void {
    if (!this.active()) throw new MemSyncError('ERR_NOT_STARTED', 'events need a started instance (call start() first)');
    checkName(name, 'an event name');
    const message: MessagingMessage = { type: 'event', name, payload: copyPayload(payload, this.limits) };
    if (this.queued.length > 0 || !this.up(message)) {
      if (this.queued.length >= MAX_QUEUED_EVENTS) {
        throw new MemSyncError('ERR_LIMIT_EXCEEDED', `more than ${MAX_QUEUED_EVENTS} events waiting for a host`);
      }
      this.queued.push(message);
    }
  }

  on<K extends keyof E & string>(name: K, listener: EventListener<E[K]>): () => void {
    checkName(name, 'an event name');
    if (typeof listener !== 'function') throw new MemSyncError('ERR_INVALID_ARGUMENT', 'a listener must be a function');
    this.emitter.on(name, listener);
    return () => this.off(name, listener);
  }

  off<K extends keyof E & string>(name: K, listener: EventListener<E[K]>): void {
    this.emitter.off(name, listener);
  }

  /** A new way to the host: send what waited. */
  resend(): void {
    const queued = this.queued;
    this.queued = [];
    for (let i = 0; i < queued.length; i++) {
      if (!this.up(queued[i]!)) {
        this.queued = queued.slice(i);
        return;
      }
    }
  }

  /** An event the host relayed. */
  received(message: Extract<MessagingMessage, { type: 'event' }>): void {
    checkPayload(message.payload, this.limits);
    const meta: EventMeta = { from: message.from ?? '?' };
    if (message.version !== undefined) meta.version = message.version;
    this.deferred.push({ name: message.name, payload: message.payload ?? null, meta });
    this.advanced(this.version());
  }

  /** This replica applied up to `version`: deliver the events that waited for it. */
  advanced(version: number): void {
    let n = 0;
    while (n < this.deferred.length && (this.deferred[n]!.meta.version ?? 0) <= version) n++;
    if (n === 0) return;
    for (const event of this.deferred.splice(0, n)) this.deliver(event.name, event.payload, event.meta);
  }

  /** The host is gone: what it relayed is delivered now (its versions may never arrive here). */
  flushDeferred(): void {
    for (const event of this.deferred.splice(0)) this.deliver(event.name, event.payload, event.meta);
  }

  private deliver(name: string, payload: unknown, meta: EventMeta): void {
    for (const listener of this.emitter.listeners(name) as Array<EventListener<JsonValue>>) {
      try {
        listener(payload as JsonValue, meta);
      } catch (error) {
        this.report(new MemSyncError('ERR_OBSERVER', `listener of event '${name}' threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      }
    }
  }
}
