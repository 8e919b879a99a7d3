export {
  AbortError,
  ConnectionError,
  isMemSyncError,
  MemSyncError,
  type MemSyncErrorCode,
  PatchValidationError,
  ProtocolError,
  RemoteError,
  TimeoutError,
} from './errors.js';
export type { EventListener, EventMap, EventMeta, MemSyncEventBus } from './messaging/events.js';
export type { LockOptions, MemSyncLock } from './messaging/locks.js';
export type { AcquireOp, LeftOp, LockOp, ReleaseOp } from './messaging/lock-table.js';
export type { CallMeta, CallOptions, RpcHandler, RpcMap } from './messaging/rpc.js';
export { CHANNELS as DIAGNOSTICS_CHANNELS, type Logger, type OrderedMessage, type OutcomeMessage } from './diagnostics/index.js';
export { createInspectServer, type InspectServer, type InspectServerOptions } from './inspect/index.js';
export type { ChangeEvent, MemSyncEvents, PeerEvent, RejectedEvent, RoleEvent } from './events.js';
export { type AnyRpc, MemSync, type MemSyncMember, type MemSyncStatus, type PatchOptions } from './memsync.js';
export {
  type ArrayPath,
  type ElementOf,
  type FieldCondition,
  type LogicalCondition,
  type NumericPath,
  type OperatorCondition,
  type PushSpec,
  type TypedCondition,
  type TypedUpdate,
  untyped,
  type UntypedCondition,
  type UntypedConditionShape,
  type UntypedUpdate,
  type WritablePath,
} from './typed-update.js';
export type { Role } from './mesh/mesh-node.js';
/** A member of the mesh, as `status()` and `peer` events describe it. */
export type { MemSyncMember as Member } from './memsync.js';
export type { Change, ObserveCallback, PathOf, ValueAt } from './observe/index.js';
export type { MemSyncLimits, MemSyncOptions } from './options.js';
export type { Backplane, BackplaneLink, BackplaneSink, RawBackplaneEntry } from './sequencer.js';
export { DEFAULT_LIMITS } from './options.js';
export { createLoopbackTransport } from './transport/loopback.js';
export type { Address, AddressWatch, Connection, Listener, TlsFiles, Transport } from './transport/types.js';
export type {
  AppliedPatch,
  Condition,
  DeepReadonly,
  JsonObject,
  JsonPrimitive,
  JsonValue,
  OrderedPatch,
  Patch,
  PatchResult,
  RefusalReason,
  RefusedPatch,
  Update,
  UpdateOperator,
} from './types.js';
export { StorageError } from './errors.js';
export { LmdbStorage } from './storage/lmdb-storage.js';
export { MemoryDisk, MemoryStorage } from './storage/memory-storage.js';
export type { LoadResult, StorageAdapter, StorageOption, StoredState, SyncMode } from './storage/types.js';
export { exportJson, importJson } from './storage/json-io.js';
