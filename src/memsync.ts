import { EventEmitter } from 'eventemitter3';
import { validatePatchInput } from './document/index.js';
import { isPlainObject } from './document/json.js';
import { diag } from './diagnostics/index.js';
import { MemSyncError } from './errors.js';
import { streamOf } from './change-stream.js';
import type { ChangeEvent, MemSyncEvents } from './events.js';
import { createInspectServer, type InspectServer } from './inspect/index.js';
import { createLive } from './live/index.js';
import {
  type TypedCondition,
  type TypedUpdate,
  untyped,
  type UntypedCondition,
  type UntypedConditionShape,
  type UntypedUpdate,
} from './typed-update.js';
import { segmentEncoder } from './mesh/entry-broadcast.js';
import { MeshNode, type Role } from './mesh/mesh-node.js';
import { ReplicaCore } from './mesh/replica-core.js';
import { VersionWaiters } from './mesh/version-waiters.js';
import {
  getAt,
  type ObserveCallback,
  ObserverRegistry,
  type PathOf,
  type ValueAt,
} from './observe/index.js';
import { type MemSyncOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { defaultAddress } from './transport/address.js';
import { checkSocketPath } from './transport/path-trust.js';
import { createIpcTransport } from './transport/ipc-transport.js';
import type { Address } from './transport/types.js';
import type { Condition, DeepReadonly, JsonObject, PatchResult, Update } from './types.js';
import type { EventMap, MemSyncEventBus } from './messaging/events.js';
import { MessagingHub } from './messaging/hub.js';
import { oneMachineOnly, refusingEventBus } from './backplane/one-machine.js';
import type { LockOptions, MemSyncLock } from './messaging/locks.js';
import { checkName, timeoutOf } from './messaging/payload.js';
import type { CallMeta, CallOptions, RpcHandler, RpcMap } from './messaging/rpc.js';

/** The RPC map of a MemSync given none: any method, arguments and results unchecked. */
export type AnyRpc = Record<string, (args: unknown, meta: CallMeta) => unknown>;

/** Options of one `patch()` call. */
export interface PatchOptions {
  /**
   * A mingo query judged on the ordered state when the patch is applied; false gives
   * `reason: 'condition'`. With a typed update it is typed against the document too
   * ({@link TypedCondition}); wrap it in {@link untyped} for what the types cannot follow.
   */
  if?: UntypedConditionShape;
  /** Filters for `$[id]` positional segments. */
  arrayFilters?: JsonObject[];
  /** Abort waiting: the promise rejects with `ERR_ABORTED` and the change rolls back out of the view. */
  signal?: AbortSignal;
  /** Overrides `options.patchTimeout` for this call, in milliseconds. */
  timeout?: number;
}

/**
 * One process of the mesh, as {@link MemSyncStatus.members} lists it. (A plain interface
 * rather than the wire schema's type, so that consumers' programs need no TypeBox types.)
 */
export interface MemSyncMember {
  /** Its peer id (`options.id`, or random). */
  peer: string;
  /** It was started with `clientOnly` and never becomes host. */
  clientOnly: boolean;
  /** Its process id, when it reported one. */
  pid?: number;
}

/** What `status()` reports: this replica's view of the mesh at the moment of the call. */
export interface MemSyncStatus {
  /** This replica's role (see {@link MemSync.role}). */
  role: Role;
  /** This peer's id. */
  id: string;
  /** The current host's peer id; `undefined` while no host is known (electing, stopped). */
  hostId: string | undefined;
  /** The host's term: each new host opens an epoch higher than any before it (`0` before the first join). */
  epoch: number;
  /** Confirmed version: how many patches this replica has applied in host order. */
  version: number;
  /** Processes in the mesh, this one included. */
  peers: number;
  /** Every process in the mesh, this one included, as the host last announced them. */
  members: MemSyncMember[];
  /** The socket (or TCP endpoint) the mesh is reached at. */
  address: Address;
  /** Own patches not yet ordered. */
  pending: number;
  /**
   * Patches not yet ordered across the whole mesh: the host's own and those its members
   * report (each a moment after its count changed), summed by the host. A client has the
   * host's figure from its welcome and heartbeats, so it may be up to `hostTimeout / 4`
   * old. `undefined` while no host is known.
   */
  meshPending: number | undefined;
  /**
   * The id of the store the mesh keeps its state in (`options.storage`; an LMDB store's id
   * is its directory), as the host reports it: ours while we host. `undefined`: no storage
   * (or no host known).
   */
  storage: string | undefined;
  /**
   * The kind of backplane the mesh orders through across machines (`'redis'` for
   * `memsync/redis`), as the host reports it: ours while we host. `undefined`: one machine.
   */
  backplane: string | undefined;
}

/**
 * One replica of a JSON object shared by every process that opens the same mesh name.
 *
 * @example
 * const mem = new MemSync('app', { hits: 0 });
 * await mem.start();
 * mem.observe('hits', (n) => console.log('hits', n));
 * await mem.patch({ $inc: { hits: 1 } });
 */
export class MemSync<T extends object = JsonObject, E extends EventMap = EventMap, R extends RpcMap = AnyRpc> extends EventEmitter<
  MemSyncEvents<T>
> {
  private readonly options: ResolvedOptions;
  private readonly core: ReplicaCore;
  private readonly node: MeshNode;
  private readonly observers: ObserverRegistry;
  private starting: Promise<'host' | 'client'> | undefined;
  private stopping: Promise<void> | undefined;
  private http: InspectServer | undefined;
  private readonly versionWaiters = new VersionWaiters();
  private readonly messaging: MessagingHub<E>;
  /**
   * Ephemeral messages to every other process of the mesh (not part of the state): each is
   * delivered once to every process connected when the host relayed it, in one order for all.
   * @example
   * mem.events.on('job-done', (payload, meta) => console.log(meta.from, payload));
   * mem.events.emit('job-done', { id: 7 });
   */
  readonly events: MemSyncEventBus<E>;

  /**
   * Creates a replica; nothing is opened until {@link MemSync.start}.
   * @param name the mesh: every process opening the same name (same user, same `dir`) shares one object
   * @param defaults the state of a mesh that does not exist yet (ignored when joining one)
   * @throws MemSyncError `ERR_INVALID_OPTION` on a bad name or option; a
   *   {@link PatchValidationError} when `defaults` is not JSON or breaks a limit
   */
  constructor(
    /** The mesh name given to the constructor. */
    readonly name: string,
    defaults?: T,
    options?: MemSyncOptions,
  ) {
    super();
    if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
      throw new MemSyncError(
        'ERR_INVALID_OPTION',
        'the mesh name must be a string of 1-200 characters',
      );
    }
    this.options = resolveOptions(options);
    if (defaults !== undefined && !isPlainObject(defaults)) {
      // An array would silently become { "0": ... }, a class instance lose its prototype.
      throw new MemSyncError(
        'ERR_INVALID_OPTION',
        `defaults must be a plain object, not ${Array.isArray(defaults) ? 'an array' : typeof defaults === 'object' && defaults !== null ? `a ${defaults.constructor?.name ?? 'object'}` : typeof defaults}`,
      );
    }
    // Top-level undefined values are dropped, as JSON.stringify would (the patch itself refuses them).
    const fields = Object.entries(defaults ?? {}).filter(([, value]) => value !== undefined);
    const initial = validatePatchInput(
      { update: { $set: Object.fromEntries(fields) } },
      this.options.limits,
    );
    this.observers = new ObserverRegistry({
      onError: (error, pattern) =>
        this.reportError(
          new MemSyncError('ERR_OBSERVER', `observer of '${pattern}' threw: ${messageOf(error)}`, { cause: error }),
        ),
    });
    this.core = new ReplicaCore(
      {
        peer: this.options.id,
        defaults: (initial.update.$set ?? {}) as JsonObject,
        logSize: this.options.logSize,
        logBytes: this.options.logBytes,
        now: this.options.now,
        diagnostics: diag(this.options),
        limits: { limits: this.options.limits },
        encodeLog: segmentEncoder(this.options.limits.maxFrameBytes),
      },
      {
        viewChanged: (change, meta) => {
          this.observers.notify(change, meta);
          // The hot path of every replica: build the event only for someone listening.
          if (this.listenerCount('change') === 0) return;
          this.emit('change', {
            ...meta,
            paths: change.paths,
            data: change.after as unknown as DeepReadonly<T>,
            previous: change.before as unknown as DeepReadonly<T>,
          });
        },
        // A frame's entries go in one batch unless someone hears every change whole.
        frameWatch: () => (this.listenerCount('change') === 0 ? this.observers : undefined),
        advanced: (version) => {
          this.versionWaiters.advance(version);
          this.messaging.advanced(version);
        },
        ownRefused: (patch, result) =>
          this.emit('rejected', {
            seq: patch.seq,
            update: patch.update,
            version: result.version,
            reason: result.reason,
            ...(result.message === undefined ? {} : { message: result.message }),
          }),
      },
    );
    const address: Address =
      this.options.tcp !== undefined
        ? { kind: 'tcp', ...this.options.tcp }
        : this.options.path !== undefined
          ? { kind: 'unix', path: this.options.path }
          : this.options.transport !== undefined
            ? // A transport of the caller's (the loopback) routes by this name alone: no socket
              // directory is created for a socket nobody will bind.
              { kind: 'unix', path: `memsync:${name}` }
            : defaultAddress(name, this.options.dir);
    // A socket path another user could take first is refused now (and again at every election).
    if (this.options.path !== undefined && this.options.transport === undefined) checkSocketPath(this.options.path);
    const { maxFrameBytes, maxQueuedBytes, maxConnections, maxDepth } = this.options.limits;
    const transport =
      this.options.transport ??
      createIpcTransport({ maxFrameBytes, maxQueuedBytes, maxConnections, maxDepth });
    this.node = new MeshNode(name, this.core, transport, address, this.options, {
      role: (role, previous) => this.emit('role', { role, previous }),
      members: (members) => this.onMembers(members),
      error: (error) => this.reportError(error),
    });
    this.messaging = new MessagingHub<E>({
      self: this.options.id,
      limits: this.options.limits,
      defaultTimeout: this.options.patchTimeout,
      version: () => this.core.replica.version,
      report: (error) => this.reportError(error),
      active: () => this.starting !== undefined && this.stopping === undefined,
    });
    // Messaging is one machine's: refused with a backplane (backplane/one-machine.ts).
    this.events = this.options.backplane ? refusingEventBus<E>(this.options.backplane.kind) : this.messaging.events;
    this.core.messaging = this.messaging;
    this.node.messaging = this.messaging;
    const rpc = Object.entries(this.options.rpc);
    if (rpc.length > 0 && this.options.backplane) throw oneMachineOnly('RPC handlers (options.rpc)', this.options.backplane.kind);
    for (const [method, handler] of rpc) this.messaging.rpc.handle(method, handler);
  }

  /**
   * Serves the RPC method `name` in this process (`options.rpc` does it at construction).
   * The host sends each call to one live handler; what `handler` returns (or resolves to)
   * is the caller's result, what it throws the caller's `RemoteError`. Returns the function
   * that stops serving it.
   * @example mem.handle('resize', async ({ w }) => ({ ok: w < 4096 }));
   */
  handle<K extends keyof R & string>(
    name: K,
    handler: (args: Parameters<R[K]>[0], meta: CallMeta) => ReturnType<R[K]> | Awaited<ReturnType<R[K]>>,
  ): () => void {
    if (this.options.backplane) throw oneMachineOnly('RPC handlers', this.options.backplane.kind);
    return this.messaging.rpc.handle(name, handler as RpcHandler);
  }

  /**
   * Calls the RPC method `name` in whichever process serves it (`peer`: that one only).
   * Rejects with `ERR_NO_HANDLER` when none does, `ERR_HANDLER_GONE` when its process leaves
   * before answering, `ERR_OUTCOME_UNKNOWN` when the host is lost during the call (it may have
   * run; never re-sent), a `RemoteError` (`ERR_REMOTE`) when the handler throws,
   * `ERR_TIMEOUT` after `timeout` ms (default `options.patchTimeout`) or `ERR_ABORTED`.
   * @example const { ok } = await mem.call('resize', { w: 800 }, { timeout: 2000 });
   */
  call<K extends keyof R & string>(
    name: K,
    args: Parameters<R[K]>[0],
    options: CallOptions = {},
  ): Promise<Awaited<ReturnType<R[K]>>> {
    try {
      this.needStarted();
      if (this.options.backplane) throw oneMachineOnly('RPC calls', this.options.backplane.kind);
      const timeout = timeoutOf(options.timeout, this.options.patchTimeout);
      return this.messaging.rpc.call(name, args, options, timeout) as Promise<Awaited<ReturnType<R[K]>>>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Waits for the mesh-wide lock `name` (a semaphore of `limit` holders) and resolves with it
   * held. Grants are ordered entries: never more holders than `limit`, across failovers too;
   * waiters are served in order; a holder's process that dies or leaves frees it. `token` is a
   * fencing token (strictly increasing per name). Rejects with `ERR_TIMEOUT` after `timeout`
   * ms (default `options.patchTimeout`) or `ERR_ABORTED` through `signal`.
   * @example
   * await using lock = await mem.lock('nightly-report');
   * await mem.patch({ $set: { 'report.by': mem.id, 'report.token': lock.token } });
   */
  lock(name: string, options: LockOptions = {}): Promise<MemSyncLock> {
    try {
      this.needStarted();
      if (this.options.backplane) throw oneMachineOnly('locks', this.options.backplane.kind);
      checkName(name, 'a lock name');
      const timeout = timeoutOf(options.timeout, this.options.patchTimeout);
      return this.messaging.locks.acquire(name, options, timeout);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private needStarted(): void {
    if (this.stopping) throw new MemSyncError('ERR_STOPPED', 'this instance was stopped');
    if (!this.starting) throw new MemSyncError('ERR_NOT_STARTED', 'call start() first');
  }

  /** This peer's id. */
  get id(): string {
    return this.options.id;
  }

  /**
   * This process's place in the mesh: `idle` before `start()`, `starting` while joining,
   * `host` (orders every patch) or `client`, `electing` between the host's loss and the next
   * election's outcome, `stopped` after `stop()`. Each change is a `role` event.
   */
  get role(): Role {
    return this.node.role;
  }

  /**
   * The current view: confirmed state plus own patches not yet ordered. Frozen: writing into
   * it throws in strict mode (and changes nothing anywhere). Change it with `patch()`.
   */
  get data(): DeepReadonly<T> {
    return this.core.view.state as unknown as DeepReadonly<T>;
  }

  /** Confirmed version: how many patches the mesh has ordered. */
  get version(): number {
    return this.core.replica.version;
  }

  /** The value at a dotted path of the view (`''` or nothing: the whole object). */
  get(): DeepReadonly<T>;
  get<P extends PathOf<T>>(path: P): DeepReadonly<ValueAt<T, P>>;
  get(path?: string): unknown {
    return getAt(this.core.view.state, path ?? '');
  }

  /**
   * Joins the mesh: becomes host if no process holds its socket, else client. Resolves once
   * this replica is in sync. Calling it again returns the same promise.
   */
  start(): Promise<'host' | 'client'> {
    if (this.stopping)
      return Promise.reject(new MemSyncError('ERR_STOPPED', 'this instance was stopped'));
    this.starting ??= this.node.start().then((role) => this.startHttp(role));
    return this.starting;
  }

  /**
   * Applies a MongoDB-style update. The change shows in `data` at once; the promise resolves
   * when the host has ordered it, with `applied: false` and a `reason` if it was refused (and
   * rolled back). Rejects at once with a {@link PatchValidationError} on bad input.
   */
  // The typed condition is spelled out here rather than as a type parameter of PatchOptions:
  // that would make PatchOptions invariant in T, and a MemSync<Doc> no longer a MemSync.
  patch(update: TypedUpdate<T>, options?: Omit<PatchOptions, 'if'> & { if?: TypedCondition<T> | UntypedCondition }): Promise<PatchResult>;
  /** The escape hatch: an update wrapped in {@link untyped} is not checked against `T`, nor its condition. */
  patch(update: UntypedUpdate, options?: PatchOptions): Promise<PatchResult>;
  patch(update: TypedUpdate<T> | UntypedUpdate, options: PatchOptions = {}): Promise<PatchResult> {
    // Not `async`: the outbox's promise is returned as it is, one promise per patch rather
    // than two, on the hottest path of a writer. Failures still arrive as rejections.
    try {
      if (this.stopping) throw new MemSyncError('ERR_STOPPED', 'this instance was stopped');
      if (!this.starting) throw new MemSyncError('ERR_NOT_STARTED', 'call start() first');
      if (options.signal?.aborted) throw new MemSyncError('ERR_ABORTED', 'aborted before sending');
      const body = validatePatchInput(
        { update, if: options.if as Condition | undefined, arrayFilters: options.arrayFilters },
        this.options.limits,
      );
      const patch = this.core.nextPatch(body);
      this.core.propose(patch);
      const result = this.core.outbox.add(patch, {
        timeoutMs: options.timeout ?? this.options.patchTimeout,
        signal: options.signal,
      });
      this.node.submit(patch);
      // With storage, a patch ordered here (we host) counts once the store holds it.
      if (this.node.storage) return result.then((r) => this.node.whenDurable(r.version).then(() => r));
      return result;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Calls `callback(value, change)` each time the value at `path` really changes: the path
   * itself, an ancestor replaced, or a descendant changed. `*` matches one segment; `''` is
   * the whole object. Returns the function that stops observing. Survives failovers.
   */
  observe<P extends PathOf<T>>(
    path: P,
    callback: ObserveCallback<DeepReadonly<ValueAt<T, P>>>,
  ): () => void {
    return this.observers.observe(path, callback as ObserveCallback);
  }

  /**
   * A mutable proxy of the view: assignments, deletes and array mutations made in one tick
   * become one patch. Reads always see the current view.
   */
  live(): T {
    const source = { data: this.data as unknown as T, patch: (update: Update) => this.patch(untyped(update)) };
    Object.defineProperty(source, 'data', { get: () => this.data });
    return createLive<T>(source, (error: unknown) =>
      this.reportError(
        error instanceof MemSyncError
          ? error
          : new MemSyncError('ERR_PATCH_FAILED', messageOf(error), { cause: error }),
      ),
    );
  }

  /**
   * Every `change` event as an async iterator: `for await (const change of mem.changes()) ...`.
   * Ends with `break` or when `signal` aborts; fails with `ERR_BACKPRESSURE` if the loop falls
   * more than `limit` (default 10000) changes behind.
   */
  changes(options: { signal?: AbortSignal; limit?: number } = {}): AsyncIterableIterator<ChangeEvent<T>> {
    return streamOf<ChangeEvent<T>>((listener) => {
      this.on('change', listener);
      return () => this.off('change', listener);
    }, options);
  }

  /**
   * Resolves once this replica has applied `version` (at once if it already has): e.g. to
   * compare replicas after a write made elsewhere, whose `result.version` you know.
   * Rejects with `ERR_TIMEOUT` after `timeout` ms (default: `options.patchTimeout`) or
   * `ERR_ABORTED` through `signal`.
   */
  whenVersion(version: number, options: { timeout?: number; signal?: AbortSignal } = {}): Promise<void> {
    return this.versionWaiters.wait(
      this.core.replica.version,
      version,
      options.timeout ?? this.options.patchTimeout,
      options.signal,
    );
  }

  /** This replica's view of the mesh now: role, host, epoch, version, members, pending patches. */
  async status(): Promise<MemSyncStatus> {
    return {
      role: this.node.role,
      id: this.id,
      hostId: this.node.hostId,
      epoch: this.node.epoch,
      version: this.core.replica.version,
      peers: this.node.members.length,
      // A copy without the binding keys (mesh/identity.ts): the node's list is shared.
      members: this.node.members.map((m) => (m.pid === undefined ? { peer: m.peer, clientOnly: m.clientOnly } : { peer: m.peer, clientOnly: m.clientOnly, pid: m.pid })),
      address: this.node.address,
      pending: this.core.outbox.size,
      meshPending: this.node.meshPending,
      storage: this.node.meshStorage,
      backplane: this.node.meshBackplane,
    };
  }

  /**
   * Resolves once everything this replica has seen ordered is on disk in the mesh's store.
   * On the host it forces an fsync of every entry ordered so far, whatever the sync mode. On a
   * client it asks the host to do the same and waits for its answer (every entry the client
   * has seen was stored before it was sent). When the host goes away before it answers, or
   * while no host is in place (an election), it waits for the next host and asks it (it writes
   * the same store); it rejects with `ERR_TIMEOUT` when no host answered within 30 s. A mesh
   * without storage answers at once; so does a replica never started or stopped.
   */
  async flush(): Promise<void> {
    await this.node.flush();
  }

  /** Leaves the mesh. On the host, hands over to a client at once. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.http?.close();
      this.messaging.stop();
      await this.node.stop();
      this.core.outbox.failAll(
        new MemSyncError('ERR_STOPPED', 'stopped before the patch was ordered'),
      );
    })();
    return this.stopping;
  }

  /** `await using mem = new MemSync(...)` stops it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** With `options.http`, serves the HTTP API once in the mesh; a port that cannot be had fails start(). */
  private async startHttp(role: 'host' | 'client'): Promise<'host' | 'client'> {
    if (this.options.http === undefined) return role;
    try {
      this.http = await createInspectServer(this, this.options.http);
    } catch (error) {
      await this.stop();
      throw error;
    }
    return role;
  }

  /**
   * An error no promise can carry (an observer threw, a `live()` write was refused, a peer
   * misbehaved): the `error` event, or a process warning when nobody listens, so it never
   * vanishes (eventemitter3, unlike Node's emitter, does not throw an unheard `error`).
   */
  private reportError(error: MemSyncError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else process.emitWarning(error);
  }

  /** `peer` events for a change of the member list: its own size, not the mesh's (#11). */
  private onMembers(diff: { joined: readonly MemSyncMember[]; left: readonly MemSyncMember[] }): void {
    for (const m of diff.joined) if (m.peer !== this.id) this.emit('peer', { type: 'join', peer: m.peer, clientOnly: m.clientOnly });
    for (const m of diff.left) if (m.peer !== this.id) this.emit('peer', { type: 'leave', peer: m.peer, clientOnly: m.clientOnly });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
