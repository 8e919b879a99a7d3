/**
 * Every failure memsync reports is a {@link MemSyncError} with a `code` you can branch on.
 * Subclasses set `name` so logs read well, and keep the underlying error as `cause`.
 * Over the wire an error travels as `{ code, message }` (see protocol/messages.ts).
 */
export type MemSyncErrorCode =
  /** The update uses an operator outside the allow-list, or is not an object of operators. */
  | 'ERR_UNKNOWN_OPERATOR'
  /** A key or path segment is `__proto__`, `constructor` or `prototype`. */
  | 'ERR_RESERVED_KEY'
  /** A path is empty, has an empty segment, or is otherwise malformed. */
  | 'ERR_INVALID_PATH'
  /** A value is not JSON: a function, symbol, bigint, NaN, Infinity, `undefined` in an array, a cycle. */
  | 'ERR_INVALID_VALUE'
  /** A condition (`if`) or `arrayFilters` uses a script operator or is malformed. */
  | 'ERR_INVALID_CONDITION'
  /** A patch, path or value exceeds a configured limit (depth, size, paths per patch). */
  | 'ERR_LIMIT_EXCEEDED'
  /** The update cannot apply to the current state (e.g. `$inc` on a string). */
  | 'ERR_PATCH_FAILED'
  /** An `observe()` callback threw; the error is its `cause`. Other observers still ran. */
  | 'ERR_OBSERVER'
  /** A method was called with an argument of the wrong kind (not a function, not a path). */
  | 'ERR_INVALID_ARGUMENT'
  /** `start()` has not been called yet: call it (and await it) first. */
  | 'ERR_NOT_STARTED'
  /** A frame or message from a peer could not be decoded or failed the schema. */
  | 'ERR_PROTOCOL'
  /** The peer speaks no protocol version we support, or belongs to another mesh. */
  | 'ERR_INCOMPATIBLE_PEER'
  /** A peer failed authentication (TCP shared secret). */
  | 'ERR_AUTH'
  /** The socket directory is owned by someone else or writable by others. */
  | 'ERR_UNSAFE_PATH'
  /** `start()` or `patch()` did not complete within its timeout. */
  | 'ERR_TIMEOUT'
  /** The operation was aborted through its `AbortSignal`. */
  | 'ERR_ABORTED'
  /** The instance is stopped and cannot do this. */
  | 'ERR_STOPPED'
  /** The connection to a peer closed or could not be made. */
  | 'ERR_CONNECTION'
  /** A peer did not read what it was sent and its queue overflowed. */
  | 'ERR_BACKPRESSURE'
  /** Bad options given to the constructor. */
  | 'ERR_INVALID_OPTION'
  /** The store's file is damaged (truncated, bytes changed): refused, never replaced by defaults. */
  | 'ERR_STORAGE_CORRUPT'
  /** The store was written in a format this build does not read (a newer version, or not a memsync store). */
  | 'ERR_STORAGE_FORMAT'
  /** The store belongs to another mesh name. */
  | 'ERR_STORAGE_MESH'
  /** A newer host has claimed the store: this one may no longer write it. */
  | 'ERR_FENCED'
  /** Reading or writing the store failed (I/O, permissions, disk full). */
  | 'ERR_STORAGE'
  /** The host sent nothing for `hostTimeout`: it is deposed and another process takes its address. */
  | 'ERR_HOST_TIMEOUT'
  /** `call()`: no live process serves that method (or not the `peer` named). */
  | 'ERR_NO_HANDLER'
  /** `call()`: the process running the handler left the mesh before it answered. */
  | 'ERR_HANDLER_GONE'
  /**
   * `call()`: the host was lost while the call was under way: the handler may or may not have
   * run. Never retried for you (a call need not be idempotent).
   */
  | 'ERR_OUTCOME_UNKNOWN'
  /** `call()`: the handler threw; `RemoteError.remoteCode` and the message are its error's. */
  | 'ERR_REMOTE'
  /** A lock this process held was freed by the mesh (it was cut off from the host too long). */
  | 'ERR_LOCK_LOST'
  /**
   * The peer id is held by another process that may still be running (connected, or awaited
   * after a failover, with a token this process does not hold): pick another id, or stop it.
   * A joiner refused so retries until its `timeout`.
   */
  | 'ERR_ID_TAKEN'
  /** The backplane (memsync/redis) lost entries this replica had applied, or refused its script. */
  | 'ERR_BACKPLANE';

/** The brand every memsync error class's prototype carries: shared by every copy of memsync. */
const BRAND = Symbol.for('memsync.error');

/**
 * The base of every error memsync throws, rejects with or emits: branch on `code`, or on the
 * subclass with `instanceof`; a subclass narrows `code` to the codes it can carry
 * (`TimeoutError` is always `ERR_TIMEOUT`). The underlying error, if any, is `cause`.
 *
 * @example
 * try {
 *   await mem.patch({ $inc: { n: 1 } });
 * } catch (error) {
 *   if (error instanceof MemSyncError && error.code === 'ERR_TIMEOUT') retryLater();
 *   else throw error;
 * }
 */
export class MemSyncError<C extends MemSyncErrorCode = MemSyncErrorCode> extends Error {
  /** What went wrong, stable across versions (see {@link MemSyncErrorCode}). */
  readonly code: C;

  /**
   * `instanceof` that holds across copies of memsync in one process: the ESM and the CommonJS
   * build (the dual-package hazard), or two installed versions. Each class's prototype carries
   * a brand under `Symbol.for('memsync.error')` (its class name); a value is an instance when
   * its prototype chain holds the brand of the class asked about, whichever copy made it.
   * A class without a brand of its own (your subclass) is checked the ordinary way.
   */
  static override [Symbol.hasInstance]<T>(this: abstract new (...args: never[]) => T, value: unknown): value is T {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const wanted: unknown = Object.hasOwn(this.prototype as object, BRAND)
      ? (this.prototype as Record<symbol, unknown>)[BRAND]
      : undefined;
    if (typeof wanted !== 'string') return false;
    for (let proto: unknown = value; typeof proto === 'object' && proto !== null; proto = Object.getPrototypeOf(proto)) {
      if (Object.hasOwn(proto, BRAND) && (proto as Record<symbol, unknown>)[BRAND] === wanted) return true;
    }
    return false;
  }

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'MemSyncError';
  }

  /** The wire form: what a peer is told when its input is refused. */
  toJSON(): { code: C; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Codes of a patch refused before anything was applied. */
export type PatchValidationCode =
  | 'ERR_UNKNOWN_OPERATOR'
  | 'ERR_RESERVED_KEY'
  | 'ERR_INVALID_PATH'
  | 'ERR_INVALID_VALUE'
  | 'ERR_INVALID_CONDITION'
  | 'ERR_LIMIT_EXCEEDED';

/** The patch was refused before anything was applied: nothing changed anywhere. */
export class PatchValidationError extends MemSyncError<PatchValidationCode> {
  override name = 'PatchValidationError';
}

/** A peer sent bytes or a message that breaks the protocol; its connection is closed. */
export class ProtocolError extends MemSyncError<'ERR_PROTOCOL' | 'ERR_LIMIT_EXCEEDED'> {
  override name = 'ProtocolError';
}

/** An operation did not finish in time. */
export class TimeoutError extends MemSyncError<'ERR_TIMEOUT'> {
  override name = 'TimeoutError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_TIMEOUT', message, options);
  }
}

/** An operation was aborted through its signal, or the instance stopped under it. */
export class AbortError extends MemSyncError<'ERR_ABORTED'> {
  override name = 'AbortError';
}

/** A transport-level failure: connect refused, connection lost, unsafe socket directory. */
export class ConnectionError extends MemSyncError<'ERR_CONNECTION' | 'ERR_UNSAFE_PATH' | 'ERR_BACKPRESSURE'> {
  override name = 'ConnectionError';
}

/** The store refused to open or to write; `file` names the file concerned. */
export class StorageError extends MemSyncError {
  override name = 'StorageError';
  constructor(
    code: MemSyncErrorCode,
    message: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(code, `${message} (${file})`, options);
  }
}

/**
 * An RPC handler threw. `message` is the remote error's message; `remoteCode` its `code`
 * (a string `code` property, e.g. a MemSyncError's), when it had one.
 */
export class RemoteError extends MemSyncError<'ERR_REMOTE'> {
  override name = 'RemoteError';
  constructor(
    message: string,
    readonly remoteCode: string | undefined,
    options?: { cause?: unknown },
  ) {
    super('ERR_REMOTE', message, options);
  }
}

// Brands are spelled out: a bundler may rename a class (`MemSyncError2`), never a string.
const brands: [abstract new (...args: never[]) => MemSyncError, string][] = [
  [MemSyncError, 'MemSyncError'],
  [PatchValidationError, 'PatchValidationError'],
  [ProtocolError, 'ProtocolError'],
  [TimeoutError, 'TimeoutError'],
  [AbortError, 'AbortError'],
  [ConnectionError, 'ConnectionError'],
  [StorageError, 'StorageError'],
  [RemoteError, 'RemoteError'],
];
for (const [type, brand] of brands) Object.defineProperty(type.prototype, BRAND, { value: brand });

/**
 * True for any memsync error (a {@link MemSyncError} or one of its subclasses), from this copy
 * of memsync or another one in the process (see `MemSyncError[Symbol.hasInstance]`).
 */
export function isMemSyncError(value: unknown): value is MemSyncError {
  return value instanceof MemSyncError;
}
