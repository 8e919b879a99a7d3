import { randomBytes } from 'node:crypto';
import type { Logger } from './diagnostics/index.js';
import type { InspectServerOptions } from './inspect/index.js';
import { didYouMean } from './did-you-mean.js';
import { isPlainObject } from './document/json.js';
import { MemSyncError } from './errors.js';
import { isLoopbackHost } from './mesh/auth.js';
import { LmdbStorage } from './storage/lmdb-storage.js';
import type { Backplane } from './sequencer.js';
import type { StorageAdapter, StorageOption, SyncMode } from './storage/types.js';
import type { TlsFiles, Transport } from './transport/types.js';
import type { RpcHandler } from './messaging/rpc.js';

/** Options of `new MemSync(name, defaults, options)`. Every field is optional. */
export interface MemSyncOptions {
  /**
   * Never become host: join an existing mesh and wait (up to `timeout`) for one to exist.
   * For inspection tools and writers that must not own the mesh.
   * @default false
   */
  clientOnly?: boolean;
  /**
   * Socket file (or Windows pipe name) to use instead of the default, which is derived
   * from the mesh name inside a per-user directory of mode 0700. Its directory must be
   * writable by nobody but you (or root), and so must every directory above it unless sticky:
   * otherwise another user could bind it first (`ERR_UNSAFE_PATH`, at construction and at
   * every election).
   * @example { path: '/run/myapp/state.sock' }
   */
  path?: string;
  /**
   * Directory for the default socket file. It is created with mode 0700 and refused
   * (`ERR_UNSAFE_PATH`) if another user owns it, others may access it, or a directory above
   * it could be rearranged by another user (owned by one, or writable by others and not sticky).
   * @default `$XDG_RUNTIME_DIR/memsync`, else `~/.memsync`; `<os.tmpdir()>/memsync-<uid>` only
   * without a home directory of your own
   */
  dir?: string;
  /**
   * Use TCP on this address instead of a Unix socket (loopback unless you know why).
   * With `tls`, the connection is TLS with your certificates (file paths, PEM).
   * @example { tcp: { host: '127.0.0.1', port: 47100 } }
   */
  tcp?: { host: string; port: number; tls?: TlsFiles };
  /**
   * Shared secret: every connection is authenticated both ways with an HMAC challenge (the
   * secret is never sent). Required to listen on TCP beyond loopback.
   */
  secret?: string;
  /**
   * This peer's id, unique in the mesh. Shown in `status()`, `change.origin` and `peer` events.
   * @default a random 12-character id
   */
  id?: string;
  /**
   * How long `start()` may take before it rejects with `ERR_TIMEOUT`; after a host loss, how
   * long each election round may take before an `error` event reports it (it keeps trying).
   * @default 10000
   */
  timeout?: number;
  /**
   * How long a `patch()` may wait to be ordered before it rejects with `ERR_TIMEOUT` and its
   * change rolls back out of the view. Covers failovers shorter than this. (A patch ordered
   * more than 10 minutes after it was stamped may be refused as stale anyway: the timestamp
   * and exactly-once tables remember 10 minutes of patch time.)
   * @default 30000
   */
  patchTimeout?: number;
  /**
   * Ordered patches each replica keeps for catch-up; a peer further behind receives a snapshot.
   * Bounds the host's memory however many patches pass through it.
   * @default 10000
   */
  logSize?: number;
  /**
   * Bytes of JSON the catch-up log keeps at most, whatever `logSize` allows: large patches
   * would otherwise make every replica hold `logSize` of them. Older entries are dropped a
   * frame (or 256 entries) at a time; a peer further behind receives a snapshot.
   * @default 67108864 (64 MiB)
   */
  logBytes?: number;
  /**
   * How long a host may stay silent before its members depose it: it sends a heartbeat every
   * quarter of this, and a member that hears nothing from it for this long (while itself
   * running) elects a new host, which takes the address over from the frozen one. When the old
   * host runs again it finds its address taken and rejoins as a client: nothing it did while
   * deposed is acknowledged. Long enough for a full garbage collection of a large heap and for
   * a loaded machine's scheduling gaps; shorter makes failover of a frozen host faster and
   * spurious depositions (harmless, but a failover each) likelier. Only Unix-socket meshes can
   * take a frozen host's address over; on TCP the port stays bound to it.
   * @default 2000
   */
  hostTimeout?: number;
  /**
   * How long a new host waits for the previous members to reconnect (so it can adopt the
   * longest history any of them holds) before it orders new patches. It stops waiting as soon
   * as every previous member is back. Members whose process it knows to be alive (same
   * machine: it checks their pids) are waited for longer, up to `timeout`, and history a member
   * is still uploading always is: closing on them could lose writes they were told were ordered.
   * @default 300
   */
  gatherMs?: number;
  /** Limits on what a patch, a frame and a connection may be. */
  limits?: Partial<MemSyncLimits>;
  /**
   * Time source of the hybrid logical clock, in milliseconds. Inject one in tests.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Transport to use instead of node-ipc: e.g. `createLoopbackTransport()` for in-process tests.
   * @default node-ipc over a Unix socket (or a named pipe on Windows, or TCP with `tcp`)
   */
  transport?: Transport;
  /**
   * Receives elections, gathers, joins, host losses and refused or dropped peers, as
   * `logger[level](fields, message)` (pino's order). Nothing is logged without one, except
   * with `NODE_DEBUG=memsync`.
   * @example { logger: pino() }
   */
  logger?: Logger;
  /**
   * Serve this replica's HTTP API and live web view from `start()` to `stop()` (see
   * `createInspectServer`). Loopback only unless a `token` is given.
   * @example { http: { port: 8080 } }
   */
  http?: InspectServerOptions;
  /**
   * Keep the state on disk: the host appends every patch it orders, and the first host of a
   * mesh with no live members loads the store instead of `defaults`. Every process of the
   * mesh must give the same store (checked when it joins). `sync` says when a `patch()`
   * counts as stored (see the README's consistency model); an adapter may be given instead.
   * `compactEvery`: entries after which the host snapshots the state and drops the log
   * before it (default 100000).
   * @default no storage: the state lives as long as one process of the mesh does
   * @example { storage: { path: '/var/lib/app/memsync', sync: 'always' } }
   */
  storage?: StorageOption & { compactEvery?: number };
  /**
   * RPC methods this process serves from the start, as `handle(name, fn)` would add them
   * (see `MemSync.call`). A handler's return value (or a promise of it) is the result; what it
   * throws reaches the caller as a `RemoteError`.
   * @default none
   * @example { rpc: { resize(args) { return { ok: true }; } } }
   */
  rpc?: Record<string, RpcHandler>;
  /**
   * Many machines: one global order on a shared server, through each machine's local host
   * (see the README's "Many machines"). Every process of the mesh, on every machine, gives one.
   * @default none: the local host orders (one machine)
   * @example { backplane: redisBackplane({ url: 'redis://redis.internal:6379' }) } // from 'memsync/redis'
   */
  backplane?: Backplane;
}

/** What a patch, a frame and a connection may be; see {@link DEFAULT_LIMITS}. */
export interface MemSyncLimits {
  /** Nesting of values and path segments in a patch. @default 64 */
  maxDepth: number;
  /** Approximate JSON size of one patch, in bytes. @default 1048576 (1 MiB) */
  maxPatchBytes: number;
  /** Paths (operator keys) in one patch. @default 1000 */
  maxPathsPerPatch: number;
  /** Length of one key or path segment. @default 1024 */
  maxKeyLength: number;
  /** One frame on the wire, in bytes; a peer announcing more is disconnected. @default 67108864 (64 MiB) */
  maxFrameBytes: number;
  /** Bytes queued for a peer that does not read before it is disconnected. @default 268435456 (256 MiB) */
  maxQueuedBytes: number;
  /** Connections the host accepts. @default 10000 */
  maxConnections: number;
  /** Patches one client may have submitted and not yet seen ordered. @default 100000 */
  maxPendingPerPeer: number;
  /** Milliseconds a new connection has to say `hello` before it is closed. @default 5000 */
  helloTimeoutMs: number;
}

/** The limits used where `options.limits` does not say otherwise (see the README's table). */
export const DEFAULT_LIMITS: MemSyncLimits = {
  maxDepth: 64,
  maxPatchBytes: 1 << 20,
  maxPathsPerPatch: 1000,
  maxKeyLength: 1024,
  maxFrameBytes: 64 << 20,
  maxQueuedBytes: 256 << 20,
  maxConnections: 10_000,
  maxPendingPerPeer: 100_000,
  helloTimeoutMs: 5000,
};

/** Options with every default filled in. */
export interface ResolvedOptions {
  clientOnly: boolean;
  path: string | undefined;
  dir: string | undefined;
  tcp: { host: string; port: number; tls?: TlsFiles } | undefined;
  secret: string | undefined;
  id: string;
  timeout: number;
  patchTimeout: number;
  logSize: number;
  logBytes: number;
  gatherMs: number;
  hostTimeout: number;
  limits: MemSyncLimits;
  now: () => number;
  transport: Transport | undefined;
  logger: Logger | undefined;
  http: InspectServerOptions | undefined;
  storage: { adapter: StorageAdapter; compactEvery: number } | undefined;
  rpc: Record<string, RpcHandler>;
  backplane: Backplane | undefined;
}

function resolveBackplane(option: unknown): Backplane | undefined {
  if (option === undefined) return undefined;
  const candidate = option as Partial<Backplane> | null;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.open !== 'function' || typeof candidate.kind !== 'string') {
    throw new MemSyncError('ERR_INVALID_OPTION', 'backplane must be a Backplane (e.g. redisBackplane() from memsync/redis)');
  }
  return candidate as Backplane;
}

const SYNC_MODES: readonly SyncMode[] = ['always', 'interval', 'none'];

function resolveStorage(option: MemSyncOptions['storage']): ResolvedOptions['storage'] {
  if (option === undefined) return undefined;
  const compactEvery = positive('storage.compactEvery', option.compactEvery, 100_000);
  if ('load' in option && typeof option.load === 'function') return { adapter: option, compactEvery };
  const { path, sync = 'interval' } = option as { path?: unknown; sync?: SyncMode };
  if (typeof path !== 'string' || path.length === 0) {
    throw new MemSyncError('ERR_INVALID_OPTION', 'storage.path must be a directory path (or give a StorageAdapter)');
  }
  if (!SYNC_MODES.includes(sync)) {
    throw new MemSyncError('ERR_INVALID_OPTION', `storage.sync must be one of ${SYNC_MODES.join(', ')}`);
  }
  return { adapter: new LmdbStorage(path, sync), compactEvery };
}

/** Below this a heartbeat (a quarter of it) would be due more often than timers are reliable. */
const MIN_HOST_TIMEOUT_MS = 100;

function atLeast(name: string, value: number | undefined, fallback: number, min: number): number {
  const resolved = positive(name, value, fallback);
  if (resolved < min) throw new MemSyncError('ERR_INVALID_OPTION', `option ${name} must be at least ${min}`);
  return resolved;
}

function resolveRpc(option: MemSyncOptions['rpc']): Record<string, RpcHandler> {
  if (option === undefined) return {};
  if (!isPlainObject(option)) throw new MemSyncError('ERR_INVALID_OPTION', 'rpc must be an object of functions');
  for (const [name, fn] of Object.entries(option)) {
    if (typeof fn !== 'function') throw new MemSyncError('ERR_INVALID_OPTION', `rpc.${name.slice(0, 100)} must be a function`);
  }
  return { ...option };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new MemSyncError('ERR_INVALID_OPTION', `option ${name} must be a positive number`);
  }
  return value;
}

/**
 * Every top-level option: anything else is a typo, refused rather than ignored. A record, so
 * the compiler insists that a new option is listed here.
 */
const KNOWN_OPTIONS: Record<keyof MemSyncOptions, true> = {
  clientOnly: true, path: true, dir: true, tcp: true, secret: true, id: true, timeout: true,
  patchTimeout: true, logSize: true, logBytes: true, gatherMs: true, hostTimeout: true, limits: true, now: true, transport: true, storage: true,
  logger: true, http: true, rpc: true, backplane: true,
};
const OPTION_NAMES = Object.keys(KNOWN_OPTIONS);

export function resolveOptions(options: MemSyncOptions = {}): ResolvedOptions {
  const raw: unknown = options;
  if (!isPlainObject(raw)) {
    throw new MemSyncError('ERR_INVALID_OPTION', 'options must be a plain object');
  }
  for (const key of Object.keys(options)) {
    if (!(OPTION_NAMES as readonly string[]).includes(key)) {
      throw new MemSyncError('ERR_INVALID_OPTION', `unknown option '${key.slice(0, 100)}'${didYouMean(key, OPTION_NAMES)}`);
    }
  }
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(options.limits ?? {})) {
    if (!Object.hasOwn(DEFAULT_LIMITS, key)) {
      throw new MemSyncError('ERR_INVALID_OPTION', `unknown limit '${key.slice(0, 100)}'${didYouMean(key, Object.keys(DEFAULT_LIMITS))}`);
    }
    limits[key as keyof MemSyncLimits] = positive(`limits.${key}`, value, 0);
  }
  // One patch must always fit in a frame, whatever its JSON escapes cost (a control
  // character counts once in maxPatchBytes and takes six bytes in JSON): anything larger
  // could be ordered and then never sent.
  if (limits.maxFrameBytes < 8 * limits.maxPatchBytes) {
    throw new MemSyncError(
      'ERR_INVALID_OPTION',
      `limits.maxFrameBytes (${limits.maxFrameBytes}) must be at least 8 x limits.maxPatchBytes (${limits.maxPatchBytes})`,
    );
  }
  if (options.path !== undefined && options.tcp !== undefined) {
    throw new MemSyncError('ERR_INVALID_OPTION', 'give either path or tcp, not both');
  }
  if (
    options.id !== undefined &&
    (typeof options.id !== 'string' || !/^[\w.:-]{1,128}$/.test(options.id))
  ) {
    throw new MemSyncError('ERR_INVALID_OPTION', 'id must be 1-128 characters of [A-Za-z0-9_.:-]');
  }
  if (
    options.secret !== undefined &&
    (typeof options.secret !== 'string' || options.secret.length < 16)
  ) {
    throw new MemSyncError(
      'ERR_INVALID_OPTION',
      'secret must be a string of at least 16 characters',
    );
  }
  if (
    options.tcp !== undefined &&
    !isLoopbackHost(options.tcp.host) &&
    options.secret === undefined
  ) {
    throw new MemSyncError(
      'ERR_INVALID_OPTION',
      `refusing TCP on ${options.tcp.host} without a secret: anyone who can reach it could read and write the state`,
    );
  }
  return {
    clientOnly: options.clientOnly ?? false,
    secret: options.secret,
    path: options.path,
    dir: options.dir,
    tcp: options.tcp,
    id: options.id ?? randomBytes(9).toString('base64url'),
    timeout: positive('timeout', options.timeout, 10_000),
    patchTimeout: positive('patchTimeout', options.patchTimeout, 30_000),
    logSize: positive('logSize', options.logSize, 10_000),
    logBytes: positive('logBytes', options.logBytes, 64 * 1024 * 1024),
    gatherMs: positive('gatherMs', options.gatherMs, 300),
    hostTimeout: atLeast('hostTimeout', options.hostTimeout, 2_000, MIN_HOST_TIMEOUT_MS),
    limits,
    now: options.now ?? Date.now,
    transport: options.transport,
    logger: options.logger,
    http: options.http,
    storage: resolveStorage(options.storage),
    rpc: resolveRpc(options.rpc),
    backplane: resolveBackplane(options.backplane),
  };
}
