export { MemSync, type MemSyncStatus, type PatchOptions } from './memsync.js';
export type { MemSyncOptions, MemSyncLimits } from './options.js';
export { DEFAULT_LIMITS } from './options.js';
export type { ChangeEvent, MemSyncEvents, PeerEvent, RejectedEvent, RoleEvent } from './events.js';
export type { Role } from './mesh/mesh-node.js';
export type { Change, PathOf, ValueAt } from './observe/index.js';
export {
  AbortError,
  ConnectionError,
  isMemSyncError,
  MemSyncError,
  type MemSyncErrorCode,
  PatchValidationError,
  ProtocolError,
  TimeoutError,
} from './errors.js';
export type {
  Condition,
  JsonObject,
  JsonValue,
  OrderedPatch,
  Patch,
  PatchResult,
  RefusalReason,
  Update,
} from './types.js';
export type { Address, Connection, Listener, Transport } from './transport/types.js';
export { createLoopbackTransport } from './transport/loopback.js';
