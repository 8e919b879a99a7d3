import type { MemSyncError } from './errors.js';
import type { Role } from './mesh/mesh-node.js';
import type { DeepReadonly, JsonObject, RefusalReason, Update } from './types.js';

/** This process changed role. */
export interface RoleEvent {
  /** The role it has now (see {@link MemSync.role}). */
  role: Role;
  /** The role it had before this change. */
  previous: Role;
}

/** The view changed: an ordered patch from anyone, an own optimistic write, or a rollback. */
export interface ChangeEvent<T = JsonObject> {
  /**
   * The confirmed version when the event fires (`mem.version` then). For an own optimistic
   * write that is the version it was made on: the one it takes is known once the host orders
   * it, and is what `patch()` resolves with. A pending write that a later ordered patch makes
   * inapplicable leaves the view in that patch's event (its origin and version).
   */
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
  /** `join`: the peer is now a member; `leave`: it no longer is (stopped, died, cut off). */
  type: 'join' | 'leave';
  /** The peer's id. */
  peer: string;
  /** The peer was started with `clientOnly` and never becomes host. */
  clientOnly: boolean;
}

/** An own patch was ordered but not applied; it rolled back out of the view. */
export interface RejectedEvent {
  /** This writer's sequence number of the patch. */
  seq: number;
  /** The update as it was submitted. */
  update: Update;
  /** The version the host gave it: the patch took that place in the order, changing nothing. */
  version: number;
  /** Why it was not applied (see {@link RefusalReason}). */
  reason: RefusalReason;
  /** For `reason: 'failed'`: what mingo said. */
  message?: string;
}

/** Event map of {@link MemSync}: `mem.on('change', (e) => ...)`. */
export interface MemSyncEvents<T = JsonObject> {
  /** This process changed role: joined, won or lost an election, stopped. */
  role: (event: RoleEvent) => void;
  /** The view changed (see {@link ChangeEvent}). */
  change: (event: ChangeEvent<T>) => void;
  /** Another process joined or left the mesh. */
  peer: (event: PeerEvent) => void;
  /** An own patch was ordered but refused (stale, condition false, failed); it rolled back. */
  rejected: (event: RejectedEvent) => void;
  /** Something went wrong that no promise could report: a peer misbehaved, an observer threw, an election round failed. */
  error: (error: MemSyncError) => void;
}
