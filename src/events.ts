import type { MemSyncError } from './errors.js';
import type { Role } from './mesh/mesh-node.js';
import type { DeepReadonly, JsonObject, RefusalReason, Update } from './types.js';

/** This process changed role. */
export interface RoleEvent {
  role: Role;
  previous: Role;
}

/** The view changed: an ordered patch from anyone, an own optimistic write, or a rollback. */
export interface ChangeEvent<T = JsonObject> {
  /** Confirmed version of the document after the change. */
  version: number;
  /** Peer id of the writer (the host's for a snapshot). */
  origin: string;
  /** True when this process wrote it (optimistic write or rollback of one). */
  local: boolean;
  /** Dotted paths that may have changed (ancestors of the actual changes are enough). */
  paths: readonly string[];
  /** The whole view after the change. Frozen: a new object whenever anything changed. */
  data: DeepReadonly<T>;
  /** The whole view before the change (frozen). */
  previous: DeepReadonly<T>;
}

/** A peer joined or left the mesh. */
export interface PeerEvent {
  type: 'join' | 'leave';
  peer: string;
  clientOnly: boolean;
}

/** An own patch was ordered but not applied; it rolled back out of the view. */
export interface RejectedEvent {
  seq: number;
  update: Update;
  version: number;
  reason: RefusalReason;
  message?: string;
}

/** Event map of {@link MemSync}: `mem.on('change', (e) => ...)`. */
export interface MemSyncEvents<T = JsonObject> {
  role: (event: RoleEvent) => void;
  change: (event: ChangeEvent<T>) => void;
  peer: (event: PeerEvent) => void;
  rejected: (event: RejectedEvent) => void;
  /** Something went wrong that no promise could report: a peer misbehaved, an observer threw, an election round failed. */
  error: (error: MemSyncError) => void;
}
